# peapod_layer(NAME DEPS...): one static library from src/NAME/*.cc (tests excluded),
# plus a unit-test binary from src/NAME/*_test.cc registered with ctest (label "unit").
include(GoogleTest)

function(peapod_layer name)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc ${CMAKE_CURRENT_SOURCE_DIR}/*/*.cc)
  set(tests ${srcs})
  set(fakes ${srcs})
  # <layer>/testing/ holds fakes and fixtures for tests: never part of the product library.
  list(FILTER srcs EXCLUDE REGEX "(_test\\.cc|/testing/[^/]*)$")
  list(FILTER tests INCLUDE REGEX "_test\\.cc$")
  list(FILTER fakes INCLUDE REGEX "/testing/[^/]*\\.cc$")
  list(FILTER fakes EXCLUDE REGEX "_test\\.cc$")
  if(srcs)
    add_library(peapod_${name} STATIC ${srcs})
    target_include_directories(peapod_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(peapod_${name} PUBLIC ${ARGN})
  else()  # a header-only layer (or one not written yet)
    add_library(peapod_${name} INTERFACE)
    target_include_directories(peapod_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(peapod_${name} INTERFACE ${ARGN})
  endif()
  if(tests)
    add_executable(${name}_unit_test ${tests} ${fakes})
    target_link_libraries(${name}_unit_test PRIVATE peapod_${name} GTest::gtest GTest::gmock GTest::gtest_main)
    set_target_properties(${name}_unit_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    gtest_discover_tests(${name}_unit_test DISCOVERY_TIMEOUT 30 PROPERTIES LABELS unit)
  endif()
endfunction()

# peapod_root_tests(LABEL DEPS...): one gtest binary per *_test.cc in this folder, registered
# with ctest under LABEL; they need root and run serially (they share the kernel).
function(peapod_root_tests label)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  # Fakes and fixtures of the layers (src/<layer>/testing/*.cc) are available to every root test.
  file(GLOB fakes CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/*/testing/*.cc)
  foreach(t ${tests})
    get_filename_component(base ${t} NAME_WE)
    add_executable(${base} ${t} ${fakes})
    target_link_libraries(${base} PRIVATE ${ARGN} peapod_testing GTest::gtest GTest::gmock GTest::gtest_main)
    set_target_properties(${base} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    target_compile_definitions(${base} PRIVATE PEAPOD_BUILD_DIR="${CMAKE_BINARY_DIR}"
                                               PEAPOD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    add_dependencies(${base} peapod peapod-shim busybox_image)  # they drive the real binaries
    # DISCOVERY_TIMEOUT is an argument, not a property: inside PROPERTIES it would swallow the rest.
    gtest_discover_tests(${base} DISCOVERY_TIMEOUT 30
                         PROPERTIES LABELS ${label} RUN_SERIAL TRUE FIXTURES_REQUIRED leak_check)
  endforeach()
endfunction()
