# libpq from libpq-dev, as imported target PQ::pq.
find_path(PQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql)
find_library(PQ_LIBRARY pq)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(PostgreSQLClient REQUIRED_VARS PQ_INCLUDE_DIR PQ_LIBRARY)
if(PostgreSQLClient_FOUND AND NOT TARGET PQ::pq)
  add_library(PQ::pq UNKNOWN IMPORTED)
  set_target_properties(PQ::pq PROPERTIES
    IMPORTED_LOCATION "${PQ_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${PQ_INCLUDE_DIR}")
endif()
