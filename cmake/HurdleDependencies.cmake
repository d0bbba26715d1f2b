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
# The scenario runner registers scenarios as GoogleTest tests.
hurdle_need(GTest "libgtest-dev" CONFIG)

# RE2 ships a CMake package from 2023 on; Debian 12's has only pkg-config.
if(NOT TARGET re2::re2)
  find_package(re2 CONFIG QUIET)
  if(NOT re2_FOUND)
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
      pkg_check_modules(HURDLE_RE2 QUIET IMPORTED_TARGET re2)
    endif()
    if(NOT HURDLE_RE2_FOUND)
      message(FATAL_ERROR
        "hurdle needs RE2 but CMake cannot find it. On Debian install the packages "
        "'libre2-dev' and 'pkg-config' (or run ci/setup, which installs every dependency).")
    endif()
    add_library(re2::re2 INTERFACE IMPORTED)
    set_target_properties(re2::re2 PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::HURDLE_RE2)
  endif()
endif()

# libext2fs (e2fsprogs) edits filesystems inside disk images; it ships pkg-config files only.
if(NOT TARGET hurdle_deps::ext2fs)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(HURDLE_EXT2FS QUIET IMPORTED_TARGET ext2fs com_err)
  endif()
  if(NOT HURDLE_EXT2FS_FOUND)
    message(FATAL_ERROR
      "hurdle needs libext2fs but CMake cannot find it. On Debian install the packages "
      "'libext2fs-dev' and 'pkg-config' (or run ci/setup, which installs every dependency).")
  endif()
  add_library(hurdle_deps::ext2fs INTERFACE IMPORTED)
  set_target_properties(hurdle_deps::ext2fs PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::HURDLE_EXT2FS)
endif()

# libssh's package names its imported target plain `ssh`.
if(NOT TARGET hurdle_deps::libssh)
  add_library(hurdle_deps::libssh INTERFACE IMPORTED)
  set_target_properties(hurdle_deps::libssh PROPERTIES INTERFACE_LINK_LIBRARIES ssh)
endif()
