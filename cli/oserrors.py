"""What the operating system said when a file could not be read or written, in nncalc's words.

An OSError's ``strerror`` is the C library's English (or whatever its locale
says), so an error line would switch language in the middle. The one table
below maps errno to nncalc's own sentence, translated like any other; the
English keeps the C library's familiar wording. An errno not in the table
names itself (``EOPNOTSUPP``); in English the system's text comes first.
"""
import errno

from nncalc.cli.i18n import N_, _

REASONS = {
    "ENOENT": N_("No such file or directory"),
    "EACCES": N_("Permission denied"),
    "EPERM": N_("Operation not permitted"),
    "EISDIR": N_("Is a directory"),
    "ENOTDIR": N_("Not a directory"),
    "ENOSPC": N_("No space left on device"),
    "EFBIG": N_("File too large"),
    "EROFS": N_("Read-only file system"),
    "EIO": N_("Input/output error"),
    "ELOOP": N_("Too many levels of symbolic links"),
    "ENAMETOOLONG": N_("File name too long"),
    "EMFILE": N_("Too many open files"),
    "ENFILE": N_("Too many open files in system"),
    "EBUSY": N_("Device or resource busy"),
    "ETXTBSY": N_("Text file busy"),
    "EPIPE": N_("Broken pipe"),
    "EDQUOT": N_("Disk quota exceeded"),
    "EXDEV": N_("Invalid cross-device link"),
    "EBADF": N_("Bad file descriptor"),
    "ENXIO": N_("No such device or address"),
    "ENODEV": N_("No such device"),
    "EAGAIN": N_("Resource temporarily unavailable"),
    "EINVAL": N_("Invalid argument"),
    "ENOMEM": N_("Cannot allocate memory"),
    "ESTALE": N_("Stale file handle"),
    "EINTR": N_("Interrupted system call"),
    "EOVERFLOW": N_("Value too large for defined data type"),
}


def reason(exc):
    """EXC (an OSError) as a short reason in the current language, never foreign prose."""
    name = errno.errorcode.get(getattr(exc, "errno", None))
    if name in REASONS:
        return _(REASONS[name])
    if name is None:
        return _("an operating-system error")
    strerror = getattr(exc, "strerror", None)
    if not strerror:
        return _("system error {name}").format(name=name)
    # the Chinese drops {strerror}: the C library's text is English there
    return _("{strerror} ({name})").format(strerror=strerror, name=name)
