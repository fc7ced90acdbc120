"""Where the plotting scripts may write their figure (the output policy of `tnad run`, for PNGs).

A figure is derived data: re-plotting replaces an earlier figure (a file that starts with the
PNG signature) without asking. Anything else at the output path (a run file, a config, a file
the user keeps) is replaced only with --overwrite; never an input of the same plot, never
something that is not a regular file (a device node, a directory, a FIFO). The figure is drawn
into a fresh temporary file beside the target and renamed over it, so an interrupted plot
leaves the old file whole and a symlink at the temporary name is never followed.
"""
import os
import sys
import tempfile

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _is_png(path):
    try:
        with open(path, "rb") as f:
            return f.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE
    except OSError:
        return False


def check(prog, out, inputs, overwrite):
    """Exit with a message naming the problem unless `out` may be written."""
    if not out:
        sys.exit(f"{prog}: -o/--output: empty file name")
    real_out = os.path.realpath(out)
    for path in inputs:
        if os.path.exists(path) and os.path.realpath(path) == real_out:
            sys.exit(f"{prog}: -o {out}: is an input of this plot ({path}); choose another name")
    if os.path.lexists(out):
        if os.path.isdir(out):
            sys.exit(f"{prog}: -o {out}: is a directory")
        if not os.path.isfile(out):
            sys.exit(f"{prog}: -o {out}: exists and is not a regular file; refusing to replace it")
        if not overwrite and not _is_png(out):
            sys.exit(f"{prog}: -o {out}: exists and is not a PNG figure; pass --overwrite to replace it")
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        sys.exit(f"{prog}: -o {out}: directory {parent} does not exist")


def save(fig, out, **savefig_args):
    """fig.savefig to a fresh temporary file beside `out`, then rename it over `out`."""
    parent = os.path.dirname(os.path.abspath(out))
    fd, tmp = tempfile.mkstemp(prefix=".plot-", suffix=".png", dir=parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 would make the figure private
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png", **savefig_args)
        os.replace(tmp, out)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
