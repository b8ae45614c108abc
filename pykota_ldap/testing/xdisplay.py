"""A virtual X screen (Xvfb) and the desktop listener on it, for pykoticon's tests: windows are
found by title, pressed with xdotool, photographed with Pillow."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from .process import Rig, stop_process


def _free_display() -> int:
    """A display number no X server holds, here or in another mount namespace (whose lock files
    this one cannot see, but whose abstract socket it can)."""
    for number in range(140, 400):
        if os.path.exists(f"/tmp/.X{number}-lock"):
            continue
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.bind(f"\0/tmp/.X11-unix/X{number}")
            except OSError:
                continue
        return number
    raise RuntimeError("no free X display number")


class VirtualScreen(Rig):
    def __init__(self, size: str = "800x600x24"):
        self.size = size
        self.process: subprocess.Popen[bytes] | None = None
        self.display = ""

    def _start(self) -> None:
        number = _free_display()
        self.process = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", self.size, "-nolisten", "tcp"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.display = f":{number}"
        deadline = time.monotonic() + 15
        while not os.path.exists(f"/tmp/.X11-unix/X{number}"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Xvfb did not start on {self.display}")
            time.sleep(0.05)

    def _stop(self) -> None:
        stop_process(self.process)

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.display}

    def xdotool(self, *args: str, timeout: float = 15) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"xdotool {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def window(self, title: str, timeout: float = 15) -> str:
        """The id of the first window with that title, once it is shown."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"], env=self.env(),
                                  capture_output=True, text=True, timeout=timeout)
            if done.stdout.strip():
                time.sleep(0.3)                    # drawn, not just mapped
                return done.stdout.split()[0]
            time.sleep(0.1)
        raise TimeoutError(f"no window {title!r} on {self.display}")

    def geometry(self, window: str) -> tuple[int, int, int, int]:
        """(x, y, width, height) of a window."""
        values = dict(line.split("=", 1) for line in self.xdotool("getwindowgeometry", "--shell", window).splitlines())
        return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])

    def screenshot(self, path: Path, window: str | None = None) -> Path:
        from PIL import ImageGrab
        image = ImageGrab.grab(xdisplay=self.display)
        if window is not None:
            x, y, width, height = self.geometry(window)
            image = image.crop((x, y, x + width, y + height))
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        return path


class DesktopListener(Rig):
    """pykoticon on a virtual screen, on a free port, allowing `servers`."""

    def __init__(self, screen: VirtualScreen, *arguments: str):
        """arguments: the allowed print servers, and any option of pykoticon's."""
        self.screen, self.servers = screen, arguments
        self.process: subprocess.Popen[str] | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def _start(self) -> None:
        command = str(Path(sys.executable).parent / "pykoticon")
        self.process = subprocess.Popen([command, f"-port={self.port}", *self.servers], env=self.screen.env(),
                                        stderr=subprocess.PIPE, text=True)
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        if "listening" not in line:
            raise RuntimeError(f"pykoticon did not start: {line.strip()}")

    def _stop(self) -> None:
        stop_process(self.process)

    def said(self) -> str:
        """What it wrote on stderr since it started (once it has stopped)."""
        assert self.process is not None and self.process.stderr is not None
        return self.process.stderr.read()
