"""kx_py_test: a Python unittest file run by python3 (see py_test.sh for why not py_test)."""

def kx_py_test(name, src = None, deps = [], data = [], **kwargs):
    """`src` defaults to `name + ".py"`; `deps` (the Python it imports) and `data` are both
    laid out beside it in the runfiles."""
    if src == None:
        src = name + ".py"
    native.sh_test(
        name = name,
        srcs = ["//tools/kx:py_test.sh"],
        args = ["$(location %s)" % src],
        data = [src] + deps + data,
        **kwargs
    )
