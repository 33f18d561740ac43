"""The drawing surface --draw pictures share: a matplotlib Figure measured in inches,
grids of numbered cells, and saving to SVG, PNG or an animated GIF.

Pictures are reproducible: the bundled DejaVu Sans font, SVG text kept as
text (so the numbers can be searched and copied), no date or software name
in the SVG, fixed SVG ids, no software tag in the PNG. Backends are chosen explicitly (Agg,
SVG) and pyplot is never imported, so no window can open.

Chinese pictures need CJK glyphs that DejaVu Sans lacks and a machine may have no font
for: nncalc ships a subset of Noto Sans CJK SC (cli/fonts/, SIL OFL 1.1) holding only the
characters of the pictures' Chinese words (tools/subset_draw_font.py rebuilds it), and
matplotlib falls back to it glyph by glyph, so digits and symbols stay DejaVu Sans.
English pictures use DejaVu Sans alone and never load the subset.
"""
import functools
import io
import os

from nncalc.cli.draw import import_matplotlib
from nncalc.cli.i18n import language

CELL_H = 0.42           # inches: the height of a grid cell
FONT_SIZE = 9
DPI = 100
GIF_FRAME_MS = 900

LINE = "#868e96"
PADDING = "#dee2e6"     # padding cells are shaded
KERNEL = "#e7f5ff"
WINDOW = "#f76707"      # the window of the position shown, and its output cell
WINDOW_FILL = "#ffe8cc"
WINDOW_PAD = "#e8cfb4"  # padding inside the window
WINNER = "#c92a2a"      # max pooling's winning element

RC = {"svg.fonttype": "none", "svg.hashsalt": "nncalc", "font.family": "DejaVu Sans",
      "font.size": FONT_SIZE, "axes.unicode_minus": False}
FONT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fonts")
CJK_FAMILY = "nncalc Draw CJK"
CJK_FILES = ("nncalc-draw-cjk-Regular.otf", "nncalc-draw-cjk-Bold.otf")


def family():
    """The pictures' font family: in Chinese a fallback list, DejaVu Sans first."""
    return ["DejaVu Sans", CJK_FAMILY] if language() == "zh" else RC["font.family"]


def cell_width(strings):
    """One cell width for a whole picture, wide enough for its widest number."""
    return max([CELL_H] + [text_width(s) + 0.04 for s in set(strings)])


def text_width(s, size=FONT_SIZE, weight="normal"):
    """Inches ``s`` takes in the pictures' font (as matplotlib lays it out), plus a little air."""
    from matplotlib.font_manager import FontProperties
    prop = FontProperties(family=family(), size=size, weight=weight)
    width, _, _ = _measure().get_text_width_height_descent(s, prop, ismath=False)
    return width / 72 + 0.1


@functools.cache
def _measure():
    from matplotlib.textpath import TextToPath
    return TextToPath()


def rc_context():
    """matplotlib's settings for nncalc pictures; importing matplotlib happens here."""
    import logging
    # a first run builds matplotlib's font cache and says so on stderr; nncalc's stderr is for errors
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    # nncalc picks its canvases itself, so a user's MPLBACKEND (even a misspelt one) is beside the point
    backend = os.environ.pop("MPLBACKEND", None)
    try:
        matplotlib = import_matplotlib()
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend
    if language() != "zh":
        return matplotlib.rc_context(RC)
    _register_cjk()
    return matplotlib.rc_context({**RC, "font.family": family()})


def _register_cjk():
    """Make the shipped CJK subset known to matplotlib (once per process; never installed)."""
    from matplotlib import font_manager
    manager = font_manager.fontManager
    if not any(entry.name == CJK_FAMILY for entry in manager.ttflist):
        for name in CJK_FILES:
            manager.addfont(os.path.join(FONT_DIR, name))


class Sheet:
    """A Figure whose one Axes is measured in inches from the top-left corner.

    A .gif redraws only its overlay per frame: the rest (grids that stay) is
    drawn once, kept as pixels and restored under each frame's overlay.
    """

    def __init__(self, width, height):
        from matplotlib.figure import Figure
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        self.width, self.height = width, height
        self.fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(height, 0)
        self.ax.set_axis_off()
        self.overlay, self.background, self.palette = [], None, None

    def clear(self):
        """Remove everything drawn (the overlay included)."""
        for artist in list(self.ax.patches) + list(self.ax.texts) + list(self.ax.collections):
            artist.remove()
        self.overlay = []

    def clear_overlay(self):
        for artist in self.overlay:
            artist.remove()
        self.overlay = []

    def _add(self, artist):
        artist.set_clip_on(False)      # nothing lies outside; unclipped SVG elements are shorter
        self.ax.add_artist(artist)     # add_artist, unlike add_patch, skips the data-limit update
        self.overlay.append(artist)
        return artist

    def text(self, x, y, s, ha="left", va="center", **kw):
        from matplotlib.text import Text
        return self._add(Text(x, y, s, ha=ha, va=va, fontsize=kw.pop("size", FONT_SIZE), **kw))

    def rect(self, x, y, w, h, gid=None, **kw):
        from matplotlib.patches import Rectangle
        patch = Rectangle((x, y), w, h, **kw)
        patch.set_gid(gid)
        return self._add(patch)

    def grid(self, x, y, strings, cw, fill="white", fills=None):
        """A grid of cells holding ``strings`` (rows of str); ``fills`` maps (row, col) to a colour."""
        from matplotlib.collections import PolyCollection
        fills = fills or {}
        cells = [(r, c, s) for r, row in enumerate(strings) for c, s in enumerate(row)]
        boxes = [[(x + c * cw, y + r * CELL_H), (x + (c + 1) * cw, y + r * CELL_H),
                  (x + (c + 1) * cw, y + (r + 1) * CELL_H), (x + c * cw, y + (r + 1) * CELL_H)]
                 for r, c, _ in cells]
        self._add(PolyCollection(boxes, facecolors=[fills.get((r, c), fill) for r, c, _ in cells],
                                 edgecolors=LINE, linewidths=0.6, zorder=0.5))
        for r, c, s in cells:
            self.text(x + (c + 0.5) * cw, y + (r + 0.5) * CELL_H, s, ha="center")

    def mark(self, x, y, cells, cw, color, gid_format, bold=()):
        """Highlight ``cells`` ({(row, col): (text, fill)}) of a grid at x, y: filled, their
        number redrawn on top, a thick border with an SVG id naming the cell. They lie above
        the grid (zorder), whose own cells stay beneath them."""
        for (r, c), (s, fill) in cells.items():
            cx, cy = x + c * cw, y + r * CELL_H
            self.rect(cx, cy, cw, CELL_H, facecolor=fill, edgecolor="none", zorder=4)
            self.text(cx + cw / 2, cy + CELL_H / 2, s, ha="center", zorder=5,
                      weight="bold" if (r, c) in bold else "normal")
        for (r, c) in cells:
            self.rect(x + c * cw, y + r * CELL_H, cw, CELL_H, gid=gid_format.format(r=r, c=c),
                      facecolor="none", edgecolor=color, linewidth=2.2, zorder=6)

    def keep_as_background(self):
        """Draw what is there now once; later frames restore it and draw their overlay on top."""
        self.fig.canvas.draw()
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self.overlay = []

    def save(self, ext):
        return save(self.fig, ext)

    def frame(self):
        """The background with the current overlay, as one GIF frame (a palette image)."""
        from PIL import Image
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for artist in self.overlay:
            self.ax.draw_artist(artist)
        rgb = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw",
                               "RGBA", 0, 1).convert("RGB")
        if self.palette is None:    # the first frame holds every colour; one palette keeps frames alike
            self.palette = rgb.quantize(colors=128, dither=Image.Dither.NONE)
        return rgb.quantize(palette=self.palette, dither=Image.Dither.NONE)


def plot(width, height):
    """A Figure with one ordinary Axes (for curves), drawn by Agg."""
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    figure = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def save(figure, ext):
    """The picture as the bytes of a .svg or .png file."""
    buf = io.BytesIO()
    if ext == ".svg":
        from matplotlib.backends.backend_svg import FigureCanvasSVG
        FigureCanvasSVG(figure).print_svg(buf, metadata={"Date": None, "Creator": None})
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        FigureCanvasAgg(figure).print_png(buf, metadata={"Software": None})
    return buf.getvalue()


def gif(frames):
    """An animated GIF, looping forever, one GIF_FRAME_MS frame per picture."""
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                   duration=GIF_FRAME_MS, loop=0)
    return buf.getvalue()
