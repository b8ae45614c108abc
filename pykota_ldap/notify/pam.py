"""A user name and password checked through PAM (libpam, by ctypes): PyKota's pknotify --checkauth
used the `passwd` service. IMPOSSIBLE when libpam is not there."""
from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

YES, NO, IMPOSSIBLE = "AUTH=YES", "AUTH=NO", "AUTH=IMPOSSIBLE"
_PROMPT_ECHO_OFF, _PROMPT_ECHO_ON = 1, 2


class _Message(ctypes.Structure):
    _fields_ = [("msg_style", ctypes.c_int), ("msg", ctypes.c_char_p)]


class _Response(ctypes.Structure):
    _fields_ = [("resp", ctypes.c_void_p), ("resp_retcode", ctypes.c_int)]


_CONVERSE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.POINTER(_Message)),
                             ctypes.POINTER(ctypes.POINTER(_Response)), ctypes.c_void_p)


class _Conversation(ctypes.Structure):
    _fields_ = [("conv", _CONVERSE), ("appdata_ptr", ctypes.c_void_p)]


def _libraries() -> tuple[Any, Any] | None:
    pam_name, c_name = ctypes.util.find_library("pam"), ctypes.util.find_library("c")
    if not pam_name or not c_name:
        return None
    try:
        return ctypes.CDLL(pam_name), ctypes.CDLL(c_name)
    except OSError:
        return None


def check(username: str, password: str, service: str = "passwd") -> str:
    """AUTH=YES, AUTH=NO, or AUTH=IMPOSSIBLE (no libpam, no user name)."""
    libraries = _libraries()
    if libraries is None or not username:
        return IMPOSSIBLE
    pam, libc = libraries
    pam.pam_start.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(_Conversation),
                              ctypes.POINTER(ctypes.c_void_p)]
    pam.pam_authenticate.argtypes = pam.pam_end.argtypes = [ctypes.c_void_p, ctypes.c_int]
    libc.calloc.restype = ctypes.c_void_p
    libc.strdup.restype = ctypes.c_void_p
    secret = password.encode("utf-8")

    def converse(count: int, messages: Any, responses: Any, _data: Any) -> int:
        answers = libc.calloc(count, ctypes.sizeof(_Response))
        array = ctypes.cast(answers, ctypes.POINTER(_Response))
        for i in range(count):
            if messages[i].contents.msg_style in (_PROMPT_ECHO_OFF, _PROMPT_ECHO_ON):
                array[i].resp = libc.strdup(secret)      # PAM frees the answers itself
        responses[0] = array
        return 0

    handle = ctypes.c_void_p()
    conversation = _Conversation(_CONVERSE(converse), None)
    if pam.pam_start(service.encode(), username.encode("utf-8"), ctypes.byref(conversation),
                     ctypes.byref(handle)) != 0:
        return IMPOSSIBLE
    try:
        return YES if pam.pam_authenticate(handle, 0) == 0 else NO
    finally:
        pam.pam_end(handle, 0)
