"""``report.html``: one self-contained page, readable offline.

Everything is in the file: the style sheet inline, the figures as base64
``data:`` URIs, no script, no link to anything outside. Every text is
escaped.
"""

import base64
from html import escape

__all__ = ["page"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em;
       padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #ddd; text-align: right; }
th { background: #f3f3f3; } td.name, th.name { text-align: left; }
tr.recommended { background: #e3f0ff; font-weight: bold; }
tr.tied { background: #eef8ee; } tr.constant { color: #777; font-style: italic; }
.warning { background: #fff3cd; border-left: 4px solid #e0a800;
           padding: 0.5em 1em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
figure { margin: 1.5em 0; } img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
dt { font-weight: bold; } dd { margin: 0 0 0.5em 1.5em; }
"""


def _paragraphs(texts, css=None):
    attribute = f' class="{css}"' if css else ""
    return "".join(f"<p{attribute}>{escape(text)}</p>\n" for text in texts if text)


def _table(columns, rows):
    head = "".join(f"<th>{escape(title)}</th>" for title in columns)
    lines = [f'<table>\n<tr><th>rank</th><th class="name">strategy</th>{head}</tr>']
    for rank, name, cells, mark in rows:
        css = f' class="{mark}"' if mark else ""
        values = "".join(f"<td>{escape(cell)}</td>" for cell in cells)
        lines.append(
            f'<tr{css}><td>{escape(rank)}</td><td class="name">{escape(name)}</td>'
            f"{values}</tr>"
        )
    lines.append("</table>\n")
    return "\n".join(lines)


def _figure(caption, data):
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<figure><img alt="{escape(caption)}" src="data:image/png;base64,'
        f'{encoded}"><figcaption>{escape(caption)}</figcaption></figure>\n'
    )


def page(
    *,
    title,
    heading,
    paragraphs,
    columns,
    rows,
    recommendation,
    warnings,
    definitions,
    key,
    code,
    figures,
    notes,
    footer,
):
    """The HTML document of a report.

    Parameters
    ----------
    title, heading : str
        The page's title and first heading.
    paragraphs : list of str
        What was read and how it was compared.
    columns : list of str
        Titles of the metric columns.
    rows : list of (str, str, list of str, str)
        Rank, strategy name, cells and a CSS class (``"recommended"``,
        ``"tied"``, ``"constant"`` or ``""``).
    recommendation, warnings : list of str
        Paragraphs; warnings are highlighted.
    definitions : dict of str to str
        Each column's title and what its numbers are.
    key : str
        How to read the ± and the ties.
    code : list of str
        Python lines that rebuild the recommended strategy.
    figures : list of (str, bytes)
        Captions and PNG data.
    notes : list of str
        Warnings raised while fitting.
    footer : str
        The last line.

    Returns
    -------
    html : str

    Examples
    --------
    >>> from imbweight._compare._html import page
    >>> html = page(title="t", heading="h", paragraphs=[], columns=["PR-AUC"],
    ...             rows=[("1", "logreg", ["0.5"], "recommended")],
    ...             recommendation=["Recommended: logreg"], warnings=[],
    ...             definitions={"PR-AUC": "a <b>"}, key="", code=["x = 1"],
    ...             figures=[], notes=[], footer="")
    >>> "a &lt;b&gt;" in html and '<tr class="recommended">' in html
    True
    """
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n",
        f"<h1>{escape(heading)}</h1>\n",
        _paragraphs(paragraphs),
        "<h2>Recommendation</h2>\n",
        _paragraphs(recommendation),
        _paragraphs(warnings, "warning"),
        "<h2>Strategies</h2>\n",
        _table(columns, rows),
        _paragraphs([key]),
        "<h2>What the numbers are</h2>\n<dl>\n",
        "".join(
            f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>\n"
            for name, text in definitions.items()
        ),
        "</dl>\n<h2>Python</h2>\n",
        f"<pre><code>{escape(chr(10).join(code))}</code></pre>\n",
    ]
    if figures:
        parts.append("<h2>Figures</h2>\n")
        parts += [_figure(caption, data) for caption, data in figures]
    if notes:
        parts.append("<h2>Notes from fitting</h2>\n<ul>\n")
        parts += [f"<li>{escape(note)}</li>\n" for note in notes]
        parts.append("</ul>\n")
    parts.append(f"<footer><p>{escape(footer)}</p></footer>\n</body>\n</html>\n")
    return "".join(parts)
