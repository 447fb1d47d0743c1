# Writes OUT (a header defining TETRIS_VERSION) from `git describe` at every build, touching it
# only when the text changes, so `tetris --version` and the reports name the commit they ran.
# Run as: cmake -DSOURCE_DIR=... -DOUT=... -DBASE=0.1.0 -P Version.cmake
execute_process(COMMAND git describe --always --dirty --tags
                WORKING_DIRECTORY "${SOURCE_DIR}"
                OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE status ERROR_QUIET)
if(NOT status EQUAL 0 OR describe STREQUAL "")
  set(describe "unknown commit")
endif()
set(text "#pragma once\n#define TETRIS_VERSION \"${BASE} (${describe})\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
