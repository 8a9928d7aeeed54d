"""kernel_image: links the kernel twice so it carries its own symbol table.

Stage 1 links without symbols; gen_ksyms.py turns its text symbols into an assembly table;
stage 2 links again with that table. The linker script puts the table after .data, so
every text address is identical in both links and the table describes the final image.
"""

_KERNEL_ONLY = ["//tools/platforms:bare_metal"]

def kernel_image(name, linker_script, deps):
    linkopts = ["-Wl,-T,$(location %s)" % linker_script]
    native.cc_binary(
        name = name + "_stage1.elf",
        deps = deps,
        linkopts = linkopts,
        additional_linker_inputs = [linker_script],
        target_compatible_with = _KERNEL_ONLY,
    )
    native.genrule(
        name = name + "_ksyms",
        srcs = [":" + name + "_stage1.elf"],
        outs = [name + "_ksyms.S"],
        tools = ["//tools/ksyms:gen_ksyms.py"],
        cmd = "python3 $(location //tools/ksyms:gen_ksyms.py) --nm /usr/bin/llvm-nm-19 --section .ksyms " +
              "$(location :%s_stage1.elf) > $@" % name,
        target_compatible_with = _KERNEL_ONLY,
    )
    native.cc_binary(
        name = name + ".elf",
        srcs = [":" + name + "_ksyms.S"],
        deps = deps,
        linkopts = linkopts,
        additional_linker_inputs = [linker_script],
        target_compatible_with = _KERNEL_ONLY,
    )
