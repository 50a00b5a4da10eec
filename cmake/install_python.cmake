# install_python.cmake — `cmake --install` step for the Python package.
# Run by install(SCRIPT) with DSE_PYTHON (the interpreter CMake found) and
# DSE_PYTHON_BUILD_DIR (build/python) set. The package
# goes to that Python's site-packages under the install prefix, or to
# PREFIX/lib/python3.X/site-packages (cmake/python_site.py decides); the last
# lines say what to add to PATH and PYTHONPATH when they need it. The package
# carries the library and the program (bin/dsesweep, for python -m dsesweep).
execute_process(COMMAND "${DSE_PYTHON}" "${CMAKE_CURRENT_LIST_DIR}/python_site.py"
                        "${CMAKE_INSTALL_PREFIX}"
                OUTPUT_VARIABLE site_out RESULT_VARIABLE site_rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT site_rc EQUAL 0)
  message(FATAL_ERROR "dsesweep: ${DSE_PYTHON} could not name a site-packages directory")
endif()
string(REPLACE "\n" ";" site_lines "${site_out}")
list(GET site_lines 0 site_dir)
list(GET site_lines 1 site_state)
file(INSTALL "${DSE_PYTHON_BUILD_DIR}/dsesweep" DESTINATION "${site_dir}" USE_SOURCE_PERMISSIONS
     PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE)
message(STATUS "dsesweep: Python package for ${DSE_PYTHON}: ${site_dir}/dsesweep")
if(site_state STREQUAL "off-path")
  message(STATUS "dsesweep: to import it: export PYTHONPATH=${site_dir}:$PYTHONPATH")
endif()
set(bin "${CMAKE_INSTALL_PREFIX}/bin")
string(REPLACE ":" ";" path_list "$ENV{PATH}")
list(FIND path_list "${bin}" on_path)
if(on_path EQUAL -1)
  message(STATUS "dsesweep: to run it: export PATH=${bin}:$PATH")
endif()
