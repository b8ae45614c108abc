"""pykoticon's windows, in Tk: a small main window (the user's quota on demand), and one window
per question: a confirmation (OK / Cancel), a message (OK), a form (password fields hidden).

Tk because Debian ships it for Python (python3-tk) with nothing else to install on a lab
desktop, it draws the same under any desktop or none, and it runs under Xvfb for the tests.
Return answers OK, Escape and closing the window answer Cancel.
"""
from __future__ import annotations

import queue
import subprocess
import tkinter as tk
from collections.abc import Callable
from tkinter import ttk
from typing import Any

from .pykoticon_server import Question

POLL_MS = 100
TITLES = {"confirm": "PyKota: confirmation", "notify": "PyKota: message", "form": "PyKota: form"}


class Desktop:
    def __init__(self, questions: queue.Queue[Question], quota_command: list[str]):
        self.questions, self.quota_command = questions, quota_command
        self.first_field: ttk.Entry | None = None         # the form's, which takes the keyboard
        self.root = tk.Tk(className="pykoticon")
        self.root.title("PyKota")
        frame = ttk.Frame(self.root, padding=8)
        frame.pack(fill="both", expand=True)
        ttk.Button(frame, text="My print quota", command=self.show_quota).pack(side="left", padx=4)
        ttk.Button(frame, text="Quit", command=self.root.destroy).pack(side="left", padx=4)
        self.root.after(POLL_MS, self._poll)

    def run(self) -> None:
        self.root.mainloop()

    def _poll(self) -> None:
        try:
            while True:
                question = self.questions.get_nowait()
                if question.kind == "quit":
                    self.root.destroy()
                    return
                self._open(question)
        except queue.Empty:
            pass
        self.root.after(POLL_MS, self._poll)

    def _window(self, title: str) -> tuple[tk.Toplevel, ttk.Frame]:
        window = tk.Toplevel(self.root)
        window.title(title)
        window.attributes("-topmost", True)
        body = ttk.Frame(window, padding=12)
        body.pack(fill="both", expand=True)
        return window, body

    def _open(self, question: Question) -> None:
        window, body = self._window(TITLES[question.kind])
        answered = {"done": False}

        def finish(answer: Any) -> None:
            if not answered["done"]:
                answered["done"] = True
                question.reply(answer)
            window.destroy()

        if question.kind == "form":
            self.first_field = None
            get = self._fields(body, question)
            ok, cancel = (lambda: finish(get())), (lambda: finish(None))
        else:
            ttk.Label(body, text=question.message, wraplength=460, justify="left").pack(anchor="w", pady=(0, 12))
            ok, cancel = (lambda: finish("OK")), (lambda: finish("CANCEL" if question.kind == "confirm" else "OK"))
        self._buttons(body, window, ok, cancel if question.kind != "notify" else None)
        window.protocol("WM_DELETE_WINDOW", cancel)
        window.bind("<Escape>", lambda _event: cancel())
        focus = self.first_field if question.kind == "form" and self.first_field is not None else window
        window.after(50, focus.focus_force)

    def _fields(self, body: ttk.Frame, question: Question) -> Callable[[], dict[str, str]]:
        grid = ttk.Frame(body)
        grid.pack(fill="x", pady=(0, 12))
        variables = {}
        for row, (label, name) in enumerate(zip(question.labels, question.varnames, strict=False)):
            ttk.Label(grid, text=label).grid(row=row, column=0, sticky="w", padx=(0, 8), pady=2)
            variables[name] = tk.StringVar(value=question.defaults.get(name, ""))
            entry = ttk.Entry(grid, textvariable=variables[name], width=30, show="*" if name == "password" else "")
            entry.grid(row=row, column=1, sticky="we", pady=2)
            if row == 0:
                self.first_field = entry
        return lambda: {name: variable.get() for name, variable in variables.items()}

    @staticmethod
    def _buttons(body: ttk.Frame, window: tk.Toplevel, ok: Callable[[], None],
                 cancel: Callable[[], None] | None) -> None:
        row = ttk.Frame(body)
        row.pack(anchor="e")
        ttk.Button(row, text="OK", command=ok, default="active").pack(side="left", padx=4)
        if cancel is not None:
            ttk.Button(row, text="Cancel", command=cancel).pack(side="left", padx=4)
        window.bind("<Return>", lambda _event: ok())

    def show_quota(self) -> None:
        try:
            done = subprocess.run(self.quota_command, capture_output=True, text=True, timeout=30)
            text = (done.stdout + done.stderr).strip() or "(nothing)"
        except (OSError, subprocess.TimeoutExpired) as exc:
            text = f"{' '.join(self.quota_command)}: {exc}"
        window, body = self._window("PyKota: my print quota")
        view = tk.Text(body, width=90, height=min(20, text.count("\n") + 2), font="TkFixedFont")
        view.insert("1.0", text)
        view.configure(state="disabled")
        view.pack(fill="both", expand=True)
        ttk.Button(body, text="Close", command=window.destroy).pack(anchor="e", pady=(8, 0))
