"""Deployment: board data -> firmware project -> built image -> on the board (or in QEMU).

Reads board TOML files and a `Compiled` model; renders the project (generated model +
firmware/ sources + board port), builds it with arm-none-eabi-gcc or the board's
framework, reports flash/RAM from the ELF and flashes it with the board's runner or boots
it in QEMU. Hands on a build directory, a size report and a serial port/URL to `measure`.
"""
