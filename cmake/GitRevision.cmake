# Writes OUTPUT from INPUT (core/version.cpp.in) with the source tree's `git describe --always --dirty`,
# at every build rather than only at configure time, so that a result file's git_revision attribute
# names the code the binary was built from. The file is replaced only when the revision changed, so
# an unchanged tree recompiles nothing.
# Usage: cmake -DSOURCE_DIR=... -DINPUT=... -DOUTPUT=... -DPROJECT_VERSION=... -P GitRevision.cmake
set(L0SVGD_GIT_REVISION "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS ${SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
    WORKING_DIRECTORY ${SOURCE_DIR}
    OUTPUT_VARIABLE L0SVGD_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
configure_file(${INPUT} ${OUTPUT}.new @ONLY)
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUTPUT}.new ${OUTPUT})
file(REMOVE ${OUTPUT}.new)
