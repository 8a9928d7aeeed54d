"""Re-exports Bazel's built-in cc_toolchain_config_lib."""
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    _action_config = "action_config",
    _env_entry = "env_entry",
    _env_set = "env_set",
    _feature = "feature",
    _flag_group = "flag_group",
    _flag_set = "flag_set",
    _tool = "tool",
    _tool_path = "tool_path",
    _with_feature_set = "with_feature_set",
)
action_config = _action_config
env_entry = _env_entry
env_set = _env_set
feature = _feature
flag_group = _flag_group
flag_set = _flag_set
tool = _tool
tool_path = _tool_path
with_feature_set = _with_feature_set
