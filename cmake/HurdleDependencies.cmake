# Finds what the hurdle library links against, from the system only. Used both by hurdle's
# own build and by the installed hurdle-config.cmake, so consumers get the same targets.
# A dependency that is missing stops configuration with the Debian package to install.

include(CMakeFindDependencyMacro)

macro(hurdle_need name debian_package)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR
      "hurdle needs ${name} but CMake cannot find it. On Debian install the package "
      "'${debian_package}' (or run ci/setup, which installs every dependency).")
  endif()
endmacro()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
hurdle_need(Boost "libboost1.81-dev (Debian 12) or libboost-dev (Debian 13)" 1.81 CONFIG)
hurdle_need(libssh libssh-dev CONFIG)
hurdle_need(pugixml libpugixml-dev CONFIG)
hurdle_need(nlohmann_json nlohmann-json3-dev 3 CONFIG)
hurdle_need(yaml-cpp libyaml-cpp-dev CONFIG)
hurdle_need(CURL libcurl4-openssl-dev)
hurdle_need(LibArchive libarchive-dev)
hurdle_need(OpenSSL libssl-dev)
# The results history (hurdle run --history, hurdle history).
hurdle_need(SQLite3 libsqlite3-dev)
# The scenario runner registers scenarios as GoogleTest tests.
hurdle_need(GTest "libgtest-dev" CONFIG)

# hurdle_need_pkgconfig(TARGET VAR "DEBIAN PACKAGES" MODULES...): an imported TARGET from
# pkg-config MODULES, for libraries that ship no CMake package; stops with the packages to
# install when they are missing.
macro(hurdle_need_pkgconfig target var debian_packages)
  if(NOT TARGET ${target})
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
      pkg_check_modules(${var} QUIET IMPORTED_TARGET ${ARGN})
    endif()
    if(NOT ${var}_FOUND)
      message(FATAL_ERROR
        "hurdle needs ${ARGN} but CMake cannot find it. On Debian install the packages "
        "${debian_packages} (or run ci/setup, which installs every dependency).")
    endif()
    add_library(${target} INTERFACE IMPORTED)
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::${var})
  endif()
endmacro()

# RE2 ships a CMake package from 2023 on; Debian 12's has only pkg-config.
if(NOT TARGET re2::re2)
  find_package(re2 CONFIG QUIET)
  if(NOT re2_FOUND)
    hurdle_need_pkgconfig(re2::re2 HURDLE_RE2 "'libre2-dev' and 'pkg-config'" re2)
  endif()
endif()

# libext2fs (e2fsprogs) edits filesystems inside disk images; it ships pkg-config files only.
hurdle_need_pkgconfig(hurdle_deps::ext2fs HURDLE_EXT2FS "'libext2fs-dev' and 'pkg-config'"
                      ext2fs com_err)

# libssh's package names its imported target plain `ssh`.
if(NOT TARGET hurdle_deps::libssh)
  add_library(hurdle_deps::libssh INTERFACE IMPORTED)
  set_target_properties(hurdle_deps::libssh PROPERTIES INTERFACE_LINK_LIBRARIES ssh)
endif()
