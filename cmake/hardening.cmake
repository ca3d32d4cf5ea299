# Release hardening (STYLE.md): _FORTIFY_SOURCE=3 needs optimisation, so it is only added to
# optimised builds without sanitizers; stack protector, PIE and full RELRO everywhere else.
if(MNP_HARDEN AND NOT MNP_SANITIZE AND NOT MNP_FUZZ)
    add_compile_options(-fstack-protector-strong)
    if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
        add_compile_options(-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3)
    endif()
    add_link_options(-pie -Wl,-z,relro,-z,now)
endif()
