# Warnings from STYLE.md, applied to every target of the project through mnp_warnings.
add_library(mnp_warnings INTERFACE)
target_compile_options(mnp_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
    -Wimplicit-fallthrough -Wcast-qual -Wwrite-strings -Wundef)
if(MNP_WERROR)
    target_compile_options(mnp_warnings INTERFACE -Werror)
endif()
# _GNU_SOURCE for mmap flags, recvmmsg and friends; the code is written against Linux.
target_compile_definitions(mnp_warnings INTERFACE _GNU_SOURCE)

if(MNP_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
endif()
if(MNP_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "MNP_FUZZ needs clang (use the 'fuzz' preset)")
    endif()
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
endif()
