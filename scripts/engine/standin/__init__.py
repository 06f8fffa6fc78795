"""A stand-in for Pulumi's Python language host (`pulumi-language-python`), for this workplace only.

A real user runs Pulumi's own host: it ships in every Pulumi CLI release (the install script, the
tarball, Homebrew, ...) next to the `pulumi` binary. It exists here only because the Go module proxy
this project's machines reach does not serve the host's module
(`github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3`, 403 for every version), so
`make engine` cannot build it. Everything the host starts is Pulumi's own code: the program runs
under `pulumi-language-python-exec` from the `sdk/v3` module at the SDK pin, dynamic providers run
under `pulumi-resource-pulumi-python`, and policy packs run as `python -u -m pulumi.policy`, exactly
as the real host runs them since Pulumi 3.221.

This package implements the part of the `pulumirpc.LanguageRuntime` gRPC service the CLI calls for
`preview`, `up`, `refresh`, `destroy`, `about`, `install` and policy packs, written from the
protocol (the `.proto` stubs the `pulumi` SDK ships) and from reading the real host's behaviour:
  - `toolchain`: which Python runs a program (the `virtualenv` / `toolchain` runtime options),
  - `policy_proxy`: the Analyzer proxy that hands a policy pack its stack's configuration,
  - `host`: the service itself and the process entry point (prints its port, as every plugin does).
Code generation (`pulumi convert`, `package gen-sdk`), `pulumi new` templates, debugging and the
uv / poetry toolchains are not implemented; they answer a clear "not supported by the stand-in".
"""
