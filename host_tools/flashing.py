"""The ulite runtime and a converted model onto a board, over its REPL (the `flash` command)."""

import dataclasses
import tempfile
import time
from pathlib import Path

from . import fit, qemu_vboard, runtime, runtime_heap
from .architectures import ALSO_RUNS, MPY_ARCH, MPY_VERSION
from .board_link import BoardLink
from .conversion import convert, romfs_image
from .errors import UserError


def target_board(board, info, port):
    """The board to build for, checked against what the device reports about itself."""
    mpy = info["mpy"]
    version, sub, arch = mpy & 0xFF, (mpy >> 8) & 3, (mpy >> 10) & 0x3F
    if info["virtual"]:
        if info["virtual"] != board.name:
            raise UserError(
                "%s is a virtual %s board: use --board %s"
                % (port, info["virtual"], info["virtual"])
            )
        return dataclasses.replace(board, mpy_arch="host")
    if board.mpy_arch == "host":
        raise UserError("%s is a real board (%s), not a virtual one" % (port, info["machine"]))
    names = {v: k for k, v in MPY_ARCH.items()}
    runs = (names.get(arch),) + ALSO_RUNS.get(names.get(arch), ())
    if board.mpy_arch not in runs:
        raise UserError(
            "%s runs %s code (%s), not %s for --board %s"
            % (port, names.get(arch, "no native"), info["machine"], board.mpy_arch, board.name)
        )
    if (version, sub) != (MPY_VERSION, 3):
        raise UserError(
            "%s runs MicroPython with .mpy v%d.%d; ulite's .mpy are v6.3: update the firmware"
            " to MicroPython 1.23 or newer" % (port, version, sub)
        )
    return board


def plan_copies(link, files):
    """The subset of {device path: bytes} whose content the board does not have yet."""
    paths = sorted(files)
    return {
        path: files[path]
        for path, digest in zip(paths, link.digests(paths))
        if digest != link.digest_of(files[path])
    }


def flash(port, board, model_path, name=None, log=print):
    """Flash the runtime and model; returns a dict: name, copied {path: bytes}, unchanged,
    removed [paths], seconds. On the virtual ARM board `copied` is the ROMFS image deployed,
    {"NAME.romfs": bytes}, or {} when the board runs that image already."""
    start = time.monotonic()
    running = qemu_vboard.status(port)
    if running is None:
        result = copy_files(port, board, model_path, name, log)
        summary = "%d files copied (%d bytes), %d unchanged" % (
            len(result["copied"]),
            sum(len(d) for d in result["copied"].values()),
            result["unchanged"],
        )
    else:
        result = deploy_image(port, board, running, [(model_path, name)], log)
        image = list(result["copied"].values())
        summary = (
            "ROMFS image deployed (%d bytes)" % len(image[0]) if image else "nothing deployed"
        )
    result["seconds"] = time.monotonic() - start
    log("flashed %s to %s: %s, in %.1f s" % (result["name"], port, summary, result["seconds"]))
    return result


def flash_models(port, board, model_paths, log=print):
    """Flash several models to one board, each as its own module (named after its file):
    on a board with a filesystem one after the other (the runtime goes once); on the
    virtual ARM board in one ROMFS image, as its ROMFS holds one image at a time."""
    running = qemu_vboard.status(port)
    if running is None:
        return [flash(port, board, path, log=log) for path in model_paths]
    return [deploy_image(port, board, running, [(path, None) for path in model_paths], log)]


def deploy_image(port, board, running, models, log):
    """flash on the virtual ARM board (`running`: its status). Its models live in its ROMFS
    partition, which the firmware cannot write: the models go in one ROMFS image (each
    model module, as convert writes it, and the runtime), and the board restarts with it
    (host_tools/qemu_vboard.py). The board must then hold those models and the runtime in
    /rom. models: [(model path, module name or None)]."""
    if running["board"] != board.name:
        raise UserError(
            "%s is a virtual %s board: use --board %s" % (port, running["board"], running["board"])
        )
    with BoardLink(port) as link:
        target_board(board, link.info, port)
    results, modules = [], {}
    with tempfile.TemporaryDirectory(prefix="ulite-flash-") as tmp:
        for i, (model_path, name) in enumerate(models):
            result = convert(model_path, board, name, Path(tmp) / str(i))
            modules[result["name"] + ".mpy"] = (result["out"] / (result["name"] + ".mpy")).read_bytes()
            results.append(result)
    image = romfs_image(board, modules)
    name = ", ".join(r["name"] for r in results)
    table = runtime_heap.load()
    for result in results:
        in_romfs = fit.row(board, result["info"], table, "romfs", "romfs")
        warning = fit.warning(board, in_romfs, "with ulite and the model in ROMFS")
        if warning:
            log(warning)
    if not qemu_vboard.deploy(port, image)["deployed"]:
        log("the board runs this ROMFS image already (same SHA-256): nothing deployed")
        return {"name": name, "copied": {}, "unchanged": 1, "removed": []}
    with BoardLink(port) as link:
        found = [link.resident(r["name"], "SHA256") for r in results]
        found.append(link.resident("ulite", "__version__"))
    if found != [r["sha256"] for r in results] + [runtime.version()]:
        raise UserError("the board on %s restarted without %s and ulite in /rom" % (port, name))
    modules_text = " and ".join(sorted(modules))
    log(
        "deployed %s (%d bytes: %s and the runtime); the board restarted with it"
        % ("the ROMFS image" if len(results) > 1 else name + ".romfs", len(image), modules_text)
    )
    image_name = (results[0]["name"] if len(results) == 1 else "models") + ".romfs"
    return {"name": name, "copied": {image_name: image}, "unchanged": 0, "removed": []}


def copy_files(port, board, model_path, name, log):
    """flash on a board with a filesystem: copy the runtime and the model module."""
    with BoardLink(port) as link:
        build_board = target_board(board, link.info, port)
        with tempfile.TemporaryDirectory(prefix="ulite-flash-") as tmp:
            result = convert(model_path, build_board, name, tmp)
            model_mpy = Path(tmp) / (result["name"] + ".mpy")
            module = {model_mpy.name: model_mpy.read_bytes()}
        name = result["name"]
        files, removals = {}, []
        runtime_version = link.resident("ulite", "__version__")
        if runtime_version:
            log("runtime: ulite %s is in the board's firmware, not copied" % runtime_version)
        else:
            built = runtime.build(build_board)
            files.update({path: local.read_bytes() for path, local in built.items()})
            prefix = runtime.DEVICE_LIB + "/ulite/"
            removals += [p for p in link.list_files(prefix.rstrip("/")) if p not in files]
        model_in_flash = link.resident(name, "SHA256") == result["sha256"]
        if model_in_flash:
            log("model: %s (same SHA-256) is in the board's firmware, not copied" % name)
            removals += [p for p in (name + ".mpy", name + ".py") if link.digests([p])[0]]
        else:
            files.update(module)
            if link.digests([name + ".py"])[0]:
                removals.append(name + ".py")  # a .py would be imported instead of the .mpy
        # The virtual board stands for firmware with ulite and the models frozen in, unless it
        # stands for stock firmware.
        frozen = link.info["virtual"] and link.info["firmware"] != "stock"
        kept = fit.row(
            board,
            result["info"],
            runtime_heap.load(),
            "firmware" if frozen or runtime_version else "filesystem",
            "firmware" if frozen or model_in_flash else "filesystem",
        )
        warning = fit.warning(board, kept, "frozen in firmware" if frozen else "from its filesystem")
        if warning:
            log(warning + "; freeze ulite and the model into firmware (convert's manifest.py), or use ROMFS")
        copies = plan_copies(link, files)
        # what an interrupted flash left (a copy's own write reuses and renames its .part)
        partial = [path + ".part" for path in sorted(files) if path not in copies]
        removals += [p for p, d in zip(partial, link.digests(partial)) if d and p not in removals]
        needed, free = sum(len(d) for d in copies.values()), link.info["fs_free"]
        if free is not None and needed > free:
            raise UserError(
                "board full: %d bytes to copy, %d bytes free on %s's filesystem"
                % (needed, free, port)
            )
        # New files first, then removals: interrupted anywhere, the board keeps a working
        # set (each file old or new, none missing; a stale one may remain).
        link.write_files(copies)
        for path, data in copies.items():
            log("copied %s (%d bytes)" % (path, len(data)))
        link.remove(removals)
        for path in removals:
            log("removed %s" % path)
    return {
        "name": name,
        "copied": copies,
        "unchanged": len(files) - len(copies),
        "removed": removals,
    }

