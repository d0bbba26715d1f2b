# Driven by the install.find_package test: install hurdle, build the consumer against the
# installed package only, run it and check what it prints.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
# The library's compiler, and its sanitizers' runtime when it was built with them.
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_CXX_COMPILER=${COMPILER} "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
set(expected "hurdle ${EXPECTED_VERSION}\nsuite.yaml:3:7: expected a mapping\n")
if(NOT last_output STREQUAL expected)
  message(FATAL_ERROR "consumer printed:\n${last_output}\nexpected:\n${expected}")
endif()
message(STATUS "consumer built against ${prefix} and printed the expected text")
