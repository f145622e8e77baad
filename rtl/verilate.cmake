# verilate.cmake - runs Verilator for one model at build time (rtl/CMakeLists.txt).
# Its output (including the C++ compiler lines of its own make) goes to LOG and is
# shown only when it fails, so a normal build log stays readable.
#   cmake -DVERILATOR=path -DLOG=file "-DARGS=arg|arg|..." -P verilate.cmake
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${VERILATOR} ${args}
                RESULT_VARIABLE rc OUTPUT_FILE ${LOG} ERROR_FILE ${LOG}.err)
if(NOT rc EQUAL 0)
  file(READ ${LOG} out)
  file(READ ${LOG}.err errout)
  message(FATAL_ERROR "Verilator failed (exit ${rc}):\n${errout}\n${out}")
endif()
