# The Debian package: `cpack` in the build directory (or
# `cpack --config CPackConfig.cmake -B DIR`) builds delta_<version>_amd64.deb
# from the install rules of the top-level CMakeLists.txt. The maintainer
# scripts, the unit, the conffile and the documentation are in deploy/debian/.

set(delta_debian_dir "${PROJECT_SOURCE_DIR}/deploy/debian")
set(delta_deb_build_dir "${PROJECT_BINARY_DIR}/deb")

# Debian wants the changelog compressed without a timestamp (reproducible).
file(MAKE_DIRECTORY "${delta_deb_build_dir}")
execute_process(
  COMMAND gzip -9nc "${delta_debian_dir}/changelog"
  OUTPUT_FILE "${delta_deb_build_dir}/changelog.gz"
  RESULT_VARIABLE delta_gzip_result)
if(NOT delta_gzip_result EQUAL 0)
  message(FATAL_ERROR "gzip of ${delta_debian_dir}/changelog failed")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${delta_debian_dir}/changelog")

# Every file under /etc is a conffile: dpkg keeps the administrator's edits.
file(WRITE "${delta_deb_build_dir}/conffiles" "/etc/delta/deltad.toml\n")

install(FILES "${delta_debian_dir}/README.Debian" "${delta_debian_dir}/copyright"
              "${delta_deb_build_dir}/changelog.gz"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "delta")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "Delta")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "clustered actor-model API server for LLM-assisted trading signals")
# Lines of the extended description (dpkg wants them under 80 columns).
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "Delta serves a trading-signal platform's HTTP and WebSocket API from one"
  "daemon, deltad: identity and API keys, rate limits, market data, an LLM"
  "gateway with fallbacks and circuit breakers, durable background jobs and a"
  "signal pipeline, with everything durable in PostgreSQL. deltactl is its"
  "operator command. The package ships a hardened systemd unit, the database"
  "migrations, Prometheus alert rules and a Grafana dashboard.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)

set(DELTA_DEB_MAINTAINER "Delta maintainers <maintainers@delta.example.org>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${DELTA_DEB_MAINTAINER}")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")  # delta_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Shared-library dependencies come from dpkg-shlibdeps; adduser is the
# postinst's (deb-systemd-helper comes with the essential init-system-helpers).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql (>= 15), prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${delta_deb_build_dir}/conffiles;${delta_debian_dir}/postinst;${delta_debian_dir}/prerm;${delta_debian_dir}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
