# FindSOCI: Debian's libsoci-dev (4.0.3) ships neither a CMake config nor a .pc file.
# Provides SOCI::core, SOCI::sqlite3 and SOCI::postgresql (when the backend library and its
# client headers are present). Backends carry the client library targets they need for headers.
include(FindPackageHandleStandardArgs)

find_path(SOCI_INCLUDE_DIR soci/soci.h)
find_library(SOCI_CORE_LIBRARY NAMES soci_core)
find_library(SOCI_SQLITE3_LIBRARY NAMES soci_sqlite3)
find_library(SOCI_POSTGRESQL_LIBRARY NAMES soci_postgresql)

find_package_handle_standard_args(SOCI REQUIRED_VARS SOCI_CORE_LIBRARY SOCI_INCLUDE_DIR)

if(SOCI_FOUND AND NOT TARGET SOCI::core)
  add_library(SOCI::core UNKNOWN IMPORTED)
  set_target_properties(SOCI::core PROPERTIES
    IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")

  if(SOCI_SQLITE3_LIBRARY)
    find_package(SQLite3 REQUIRED)
    add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
    set_target_properties(SOCI::sqlite3 PROPERTIES
      IMPORTED_LOCATION "${SOCI_SQLITE3_LIBRARY}"
      INTERFACE_LINK_LIBRARIES "SOCI::core;SQLite::SQLite3")
    set(SOCI_sqlite3_FOUND TRUE)
  endif()

  if(SOCI_POSTGRESQL_LIBRARY)
    find_package(PostgreSQL QUIET)
    if(PostgreSQL_FOUND)
      add_library(SOCI::postgresql UNKNOWN IMPORTED)
      set_target_properties(SOCI::postgresql PROPERTIES
        IMPORTED_LOCATION "${SOCI_POSTGRESQL_LIBRARY}"
        INTERFACE_LINK_LIBRARIES "SOCI::core;PostgreSQL::PostgreSQL")
      set(SOCI_postgresql_FOUND TRUE)
    endif()
  endif()
endif()

mark_as_advanced(SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY SOCI_SQLITE3_LIBRARY SOCI_POSTGRESQL_LIBRARY)
