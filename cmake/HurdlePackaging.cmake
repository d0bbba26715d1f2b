# The Debian package (CPack's DEB generator): `ci/package` builds hurdle_<version>_<arch>.deb
# with the program, the library, its headers and CMake package (hurdle_add_suite included),
# the Hurd machine profiles, the image lock, the example and Hurd suites, and the docs. The
# program finds its data beside it (share/hurdle), so an unpacked package works where it lies.

install(DIRECTORY scenarios/examples scenarios/hurd USE_SOURCE_PERMISSIONS
        DESTINATION ${CMAKE_INSTALL_DATADIR}/hurdle/scenarios)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES cmake/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian keeps a changelog with every package, compressed as dpkg and lintian expect.
set(hurdle_changelog ${CMAKE_BINARY_DIR}/packaging/changelog.Debian)
configure_file(cmake/debian/changelog.in ${hurdle_changelog} @ONLY)
add_custom_command(OUTPUT ${hurdle_changelog}.gz
  COMMAND gzip -n -9 -c ${hurdle_changelog} > ${hurdle_changelog}.gz
  DEPENDS ${hurdle_changelog} VERBATIM)
add_custom_target(hurdle_changelog ALL DEPENDS ${hurdle_changelog}.gz)
install(FILES ${hurdle_changelog}.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hurdle)
set(CPACK_PACKAGE_VENDOR "the hurdle developers")
set(CPACK_PACKAGE_CONTACT "hurdle developers <hurdle@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "test harness and CI framework for GNU/Hurd in QEMU")
# The long description, one line each (CPack indents them as Debian wants).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "hurdle boots Debian GNU/Hurd from a pinned, verified disk image in QEMU,
drives it over the serial console and SSH, snapshots the machine before
each scenario and rolls it back when one fails, and writes JUnit XML with
the logs that explain each failure. Scenarios are YAML suites; C++ tests
use the same API (the library, headers and CMake package are included).")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)      # a Debian revision: version VERSION-1
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # hurdle_VERSION-1_ARCH.deb
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# The libraries the program links (libssh, libcurl, ...) from dpkg-shlibdeps; the programs it
# runs, by name.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qemu-system-x86, qemu-utils, e2fsprogs")
# gpgv: checking a checksum list's signature (an image entry's signed_by:).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openssh-client, gpgv")
include(CPack)
