"""Build fmrec's documentation site offline, without Quarto (a dev tool: not part of the `fmrec` package).

nbdev's processed notebooks (every notebook under `nbs/`, subfolders included) become static HTML pages with
nbconvert, with a sidebar, API sections and embedded plots; the result's links are then checked.

Usage, from the repository root, with the dev extra installed (`pip install -e ".[dev]"`, for nbconvert):

    python tools/docs_site.py [--dest _site] [--path NBS] [--n-workers 2] [--skip-proc] [--force] [--verbose]

Documented and tested in `nbs/13_docs.ipynb` (page `docs.html`)."""

from __future__ import annotations
import html, importlib.util, os, posixpath, re, shutil, sys, tempfile
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
import nbformat, yaml
from fastcore.script import call_parse
from nbdev.config import get_config, is_nbdev, nbpath2html
from nbdev.serve import proc_nbs

__all__ = ['DocsError', 'page_name', 'frontmatter', 'cell_options', 'clean_signature', 'api_name', 'prepare_notebook',
           'render_cells', 'embed_images', 'tex_html', 'mark_math', 'anchor_id', 'retarget_headings', 'rewrite_links',
           'page_css', 'page_html', 'check_site', 'build_site', 'main']

PROG = 'docs_site'

class DocsError(Exception):
    "A problem that stops the build, reported by the command as one line."

def page_name(nb_name: str, frontmatter: dict | None = None) -> str:
    "The page of notebook `nb_name` (its path under the notebooks folder): front matter's `output-file`, else nbdev's name for it (no number), in the notebook's subfolder."
    nb = PurePosixPath(Path(nb_name).as_posix())
    if frontmatter and frontmatter.get('output-file'): return (nb.parent / str(frontmatter['output-file'])).as_posix()
    return (nb.parent / nbpath2html(nb.name).name).as_posix()

def _rel(page: str, current: str) -> str:
    "The link from site page `current` to site page `page` (both relative to the site's root)."
    return posixpath.relpath(page, posixpath.dirname(current) or '.')

def frontmatter(nb) -> dict:
    "Title, description and output-file of notebook `nb`: its raw YAML front matter cell, else its first `# Title` cell."
    for cell in nb.cells:
        if cell.cell_type == 'raw' and cell.source.lstrip().startswith('---'):
            fm = yaml.safe_load(cell.source.strip().strip('-')) or {}
            return fm if isinstance(fm, dict) else {}
        if cell.cell_type == 'markdown' and (m := re.match(r'#\s+(.+)', cell.source.strip())):
            sub = re.search(r'^>\s*(.+)$', cell.source, re.MULTILINE)
            return {'title': m.group(1).strip(), **({'description': sub.group(1).strip()} if sub else {})}
    return {}

def cell_options(source: str) -> tuple[dict, str]:
    "Split the leading `#| key: value` lines off a code cell's `source`: (options, remaining source)."
    opts, lines = {}, source.splitlines()
    while lines and (m := re.match(r'\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$', lines[0])):
        val = m.group(2).strip('\'"')
        opts[m.group(1)] = {'true': True, 'false': False}.get(val.lower(), val) if val else True
        lines.pop(0)
    return opts, '\n'.join(lines)

_re_annotation = re.compile(r'(\b\w+:|\)->)"([^"\n]*)"')

def clean_signature(md: str) -> str:
    "`show_doc` markdown `md` with each annotation as written: `->\"'ImplicitPeer'\"` → `->ImplicitPeer` (`from __future__ import annotations`)."
    unquote = lambda a: a.group(1) + re.sub(r"""(['"])([A-Za-z_][\w.]*)\1""", r'\2', a.group(2))
    return re.sub(r'```python\n.*?```', lambda m: _re_annotation.sub(unquote, m.group(0)), md, flags=re.DOTALL)

def api_name(md: str) -> str | None:
    "The symbol a `show_doc` markdown output `md` documents (its `### name` heading), else None."
    m = re.match(r'\s*---\s*\n(?:\s*\[source\]\([^)]*\)\{[^}]*\}\s*\n)?\s*#{2,4} (\S+)[ \t]*\n', md)
    return m.group(1) if m else None

def prepare_notebook(nb):
    "A copy of processed notebook `nb` with Quarto's cell options applied, ready for nbconvert."
    nb = nbformat.from_dict(nb)
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in ('kernelspec', 'language_info')}
    cells, documented, heading = [], set(), None
    for cell in nb.cells:
        if cell.cell_type == 'raw': continue
        if cell.cell_type == 'markdown':
            if re.fullmatch(r'\s*<!--.*?-->\s*', cell.source, re.DOTALL): continue
            cell.metadata = {k: v for k, v in cell.metadata.items() if k == 'attachments'}
            cell.source = re.sub(r'^:::+[ \t]*\{?([^}\n]*)\}?[ \t]*$', _fence_div, cell.source, flags=re.MULTILINE)
            if hs := re.findall(r'^#{1,6}\s+(.+?)\s*#*\s*$', re.sub(r'```.*?```', '', cell.source, flags=re.DOTALL), re.MULTILINE):
                heading = re.sub(r'[`*]', '', hs[-1]).strip()
            cells.append(cell); continue
        opts, cell.source = cell_options(cell.source)
        if opts.get('include') is False: continue
        outputs = []
        for o in cell.get('outputs', []):   # show_doc: each symbol once, no heading repeating its section's, clean annotations
            md = o.get('data', {}).get('text/markdown')
            md = ''.join(md) if isinstance(md, list) else md
            if not (md and (name := api_name(md))): outputs.append(o); continue
            if name in documented: continue
            documented.add(name)
            md = clean_signature(md)
            if name == heading: md = re.sub(r'^(\s*---\s*\n(?:\s*\[source\]\([^)]*\)\{[^}]*\}\s*\n)?)\s*#{2,4} \S+[ \t]*\n', r'\1', md, count=1)
            o.data['text/markdown'] = md
            outputs.append(o)
        if 'outputs' in cell: cell.outputs = outputs
        fig_cap = opts.get('fig-cap')
        cell.metadata = {}
        if fig_cap not in (None, True, False, '') and any('image/' in k for o in cell.get('outputs', []) for k in o.get('data', {})):
            cell.metadata['fig_cap'] = str(fig_cap)
        if opts.get('echo') is False or not cell.source.strip(): cell.metadata['transient'] = {'remove_source': True}
        if opts.get('output') is False: cell.outputs = []
        if opts.get('code-fold') not in (None, False):
            cell.metadata['code_fold'] = str(opts.get('code-summary', 'Code'))
            cell.metadata['code_fold_open'] = opts['code-fold'] == 'show'
        if cell.metadata.get('transient') and not cell.outputs: continue
        cells.append(cell)
    nb.cells = cells
    return nb

def _fence_div(m):
    "A Quarto `:::` fence line as an HTML div tag: `::: {.callout-note}` opens, a bare `:::` closes."
    classes = ' '.join(c.lstrip('.') for c in m.group(1).split() if c.startswith('.'))
    return f'\n<div class="{classes}">\n' if m.group(1).strip() else '\n</div>\n'

_FOLD_TEMPLATE = r"""{%- extends 'basic/index.html.j2' -%}
{% block input_group -%}
{%- if cell.metadata.get('code_fold') -%}
<details class="code-fold"{{ ' open=""' if cell.metadata.get('code_fold_open') }}><summary>{{ cell.metadata.code_fold | e }}</summary>{{ super() }}</details>
{%- else -%}{{ super() }}{%- endif -%}
{%- endblock input_group %}
{% block output_group -%}
{{ super() }}
{%- if cell.metadata.get('fig_cap') -%}<p class="figure-caption">{{ cell.metadata.fig_cap | e }}</p>{%- endif -%}
{%- endblock output_group %}
"""

def render_cells(nb, path: str | Path = '.') -> str:
    "The cells of prepared notebook `nb` as HTML (nbconvert's `basic` template, no prompts)."
    try:
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter
    except ImportError as e: raise DocsError(f'{PROG} needs nbconvert ({e}): install the dev extra, pip install -e ".[dev]".') from e
    exp = HTMLExporter(template_name='basic', extra_loaders=[DictLoader({'fmrec_cells.j2': _FOLD_TEMPLATE})],
                       template_file='fmrec_cells.j2', exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exp.from_notebook_node(nb, resources={'metadata': {'path': str(path)}})
    return body

def embed_images(body: str, path: str | Path) -> str:
    "`body` with every `<img src>` that names a file under folder `path` replaced by a data URI of that file."
    import base64, mimetypes
    def _sub(m):
        src = html.unescape(m.group(2))
        u = urlsplit(src)
        f = Path(path) / unquote(u.path)
        if u.scheme or u.netloc or not u.path or not f.is_file(): return m.group(0)
        mime = mimetypes.guess_type(f.name)[0] or 'application/octet-stream'
        return f'{m.group(1)}"data:{mime};base64,{base64.b64encode(f.read_bytes()).decode()}"'
    return re.sub(r'(<img\s[^>]*?src=)"([^"]*)"', _sub, body)

_TEX = {'sum': '∑', 'prod': '∏', 'langle': '⟨', 'rangle': '⟩', 'lVert': '‖', 'rVert': '‖', 'Vert': '‖', 'times': '×',
        'cdot': '·', 'le': '≤', 'leq': '≤', 'ge': '≥', 'geq': '≥', 'neq': '≠', 'in': '∈', 'notin': '∉', 'infty': '∞',
        'approx': '≈', 'to': '→', 'rightarrow': '→', 'mid': '|', 'ldots': '…', 'dots': '…', 'cdots': '⋯', 'quad': '\u2003',
        'qquad': '\u2003\u2003', 'alpha': 'α', 'beta': 'β', 'gamma': 'γ', 'lambda': 'λ', 'mu': 'μ', 'sigma': 'σ', 'theta': 'θ',
        'log': 'log', 'exp': 'exp', 'max': 'max', 'min': 'min', 'underbrace': '', 'overbrace': '', 'big': '', 'Big': '',
        'bigg': '', 'Bigg': '', 'left': '', 'right': ''}

def tex_html(tex: str) -> str:
    "A TeX formula (HTML-escaped) as HTML: known symbols in Unicode, `_x`/`^x` as sub/sup, other commands kept."
    s = re.sub(r'\\(?:text|mathrm|mathbf|mathit|operatorname)\{([^{}]*)\}', r'\1', tex)
    s = re.sub(r'\\[td]?frac\{([^{}]*)\}\{([^{}]*)\}', r'(\1)/(\2)', s)
    s = re.sub(r'\\[td]?frac(\d)(\d)', r'\1/\2', s)
    s = re.sub(r'\\[,;: !]', ' ', re.sub(r'\\([a-zA-Z]+)', lambda m: _TEX.get(m.group(1), m.group(0)), s))
    tag = lambda m: f"<{'sub' if m.group(1) == '_' else 'sup'}>{m.group(2)}</{'sub' if m.group(1) == '_' else 'sup'}>"
    s = re.sub(r'([_^])\{([^{}]*)\}', tag, s)
    s = re.sub(r'([_^])([^\s{}\\<&])', tag, s)
    return s.replace('{', '').replace('}', '')

_re_nomath = re.compile(r'(<pre[\s>].*?</pre>|<code[\s>].*?</code>|<style[\s>].*?</style>|<script[\s>].*?</script>)', re.DOTALL)

def mark_math(body: str) -> str:
    "`body` with `$$..$$` and `$..$` outside code as `<span class=\"math display|inline\">` (`tex_html`, TeX in the title)."
    def _span(kind):
        return lambda m: f'<span class="math {kind}" title="{m.group(1).strip().replace(chr(34), "&quot;")}">{tex_html(m.group(1).strip())}</span>'
    parts = _re_nomath.split(body)
    for i in range(0, len(parts), 2):   # even parts are outside code
        p = re.sub(r'\$\$(.+?)\$\$', _span('display'), parts[i], flags=re.DOTALL)
        parts[i] = re.sub(r'(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\d$])', _span('inline'), p)
    return ''.join(parts)

def anchor_id(text: str) -> str:
    "Pandoc's automatic identifier for a heading with text `text` (`'Dataset.csr'` → `'dataset.csr'`)."
    s = re.sub(r'[^\w\s.-]', '', html.unescape(re.sub(r'<[^>]+>', '', text)).strip().lower())
    s = re.sub(r'^[^a-z]+', '', re.sub(r'\s+', '-', s))
    return s or 'section'

_re_heading = re.compile(r'<h([1-6])(?:\s+id="[^"]*")?>(.*?)(?:<a class="anchor-link" href="#[^"]*">¶</a>)?</h\1>', re.DOTALL)

def retarget_headings(body: str) -> tuple[str, list]:
    "`body` with pandoc-style heading ids and anchor links, and its `h2` headings as [(id, text)]."
    seen, toc = {}, []
    def _sub(m):
        level, inner = m.group(1), m.group(2)
        base = anchor_id(inner)
        n = seen.get(base, -1) + 1; seen[base] = n
        hid = base if n == 0 else f'{base}-{n}'
        if level == '2': toc.append((hid, html.unescape(re.sub(r'<[^>]+>', '', inner)).strip()))
        return f'<h{level} id="{hid}">{inner}<a class="anchor-link" href="#{hid}">¶</a></h{level}>'
    return _re_heading.sub(_sub, body), toc

def rewrite_links(body: str, pages: dict, doc_url: str | None = None, anchors: dict | None = None,
                  current: str | None = None) -> str:
    "`body` of notebook `current`'s page with `href`s to the doc site (`doc_url`) or to notebooks in `pages` ({notebook: page}) made local and relative."
    local = set(pages.values())
    here = pages.get(current, 'index.html') if current else 'index.html'
    by_name = {}
    for nb in pages: by_name.setdefault(PurePosixPath(nb).name, []).append(nb)
    def _notebook(url):   # the notebook a link names: its path from the linking notebook's folder, else its unique file name
        nb = posixpath.normpath(posixpath.join(posixpath.dirname(current or ''), unquote(url)))
        if nb in pages: return nb
        same = by_name.get(PurePosixPath(unquote(url)).name, [])
        return same[0] if len(same) == 1 else None
    def _sub(m):
        href = m.group(2)
        url, _, frag = html.unescape(href).partition('#')
        frag = '#' + frag if frag else ''
        if doc_url and url.startswith(doc_url):
            page = url[len(doc_url):].lstrip('/') or 'index.html'
            if anchors is not None and page in anchors and frag[1:] not in anchors[page]: frag = ''
            if page in local: return f'{m.group(1)}"{html.escape(_rel(page, here))}{html.escape(frag)}"'
        elif url.endswith('.ipynb') and not urlsplit(url).scheme and (nb := _notebook(url)):
            return f'{m.group(1)}"{html.escape(_rel(pages[nb], here))}{html.escape(frag)}"'
        return m.group(0)
    return re.sub(r'(<a\s[^>]*?href=)"([^"]*)"', _sub, body)

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#212529;background:#fff}
a{color:#1a5fb4;text-decoration:none} a:hover{text-decoration:underline}
.sidebar{position:fixed;top:0;left:0;bottom:0;width:250px;overflow-y:auto;padding:1.2rem 1rem;background:#f6f8fa;border-right:1px solid #dee2e6;font-size:.92rem}
.sidebar .site-title{display:block;font-size:1.3rem;font-weight:700;color:#212529;margin-bottom:.2rem}
.sidebar .site-desc{color:#6c757d;font-size:.8rem;line-height:1.35;margin:0 0 1rem}
.sidebar ol{list-style:none;margin:0;padding:0} .sidebar li{margin:.1rem 0}
.sidebar li a{display:block;padding:.2rem .5rem;border-radius:4px;color:#343a40}
.sidebar li a.current{background:#1a5fb4;color:#fff;font-weight:600}
.sidebar ol.toc{margin:.2rem 0 .4rem .8rem;border-left:2px solid #dee2e6} .sidebar ol.toc a{padding:.05rem .6rem;font-size:.85rem;color:#555}
.sidebar .group-title{display:block;margin:1rem 0 .2rem;padding:0 .5rem;font-size:.75rem;font-weight:700;letter-spacing:.04em;text-transform:uppercase;color:#6c757d}
main{margin-left:250px;padding:2rem 2.5rem 4rem;max-width:1250px}
h1.title{margin:0 0 .3rem;font-size:2.2rem} p.subtitle{margin:0 0 1.5rem;color:#6c757d;font-size:1.1rem}
h2{margin-top:2.2rem;padding-bottom:.3rem;border-bottom:1px solid #dee2e6} h2,h3,h4{line-height:1.25}
.anchor-link{visibility:hidden;margin-left:.3rem;color:#adb5bd;font-weight:400} h1:hover .anchor-link,h2:hover .anchor-link,h3:hover .anchor-link,h4:hover .anchor-link{visibility:visible}
code{font-family:SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.88em;background:#f1f3f5;padding:.1em .3em;border-radius:3px}
pre{font-family:SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.82rem;line-height:1.45;margin:0;white-space:pre;overflow-x:auto}
pre code{background:none;padding:0}
.cell{margin:.9rem 0}
.input_area{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:.6rem .9rem}
.input_area .highlight{background:none}
.output_wrapper{margin-top:.3rem}
.output_area{overflow-x:auto}
.output_subarea{padding:.3rem .2rem .3rem .9rem;border-left:3px solid #e9ecef}
.output_text pre,.output_stream pre{max-height:32em;overflow:auto}
.output_stderr{background:#fff5f5}
.output_markdown{border-left:none;padding-left:0}
.output_markdown > hr:first-child{display:none}
.output_markdown h3{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:1.15rem;margin:1.6rem 0 .5rem;padding:.35rem .6rem;background:#eef4fb;border-left:4px solid #1a5fb4;border-radius:3px}
.figure-caption{margin:.2rem 0 1rem .9rem;color:#495057;font-size:.9rem;font-style:italic}
.output_markdown .highlight{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:.5rem .8rem;margin-bottom:.5rem}
.math{font-family:"Latin Modern Math","STIX Two Math","Cambria Math",Georgia,"Times New Roman",serif;font-size:1.08em}
.math.display{display:block;margin:.8rem 0;padding:.3rem 1rem;text-align:center;overflow-x:auto;white-space:nowrap}
.output_png img,.output_jpeg img,.output_svg svg,.rendered_html img{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0;font-variant-numeric:tabular-nums}
table[border]{border:0} th,td{padding:.25rem .6rem;border:0;border-bottom:1px solid #dee2e6;text-align:right;vertical-align:top;white-space:nowrap}
th{background:#f6f8fa;font-weight:600} tbody tr:nth-child(even){background:#fafbfc}
.text_cell_render table td,.text_cell_render table th{text-align:left;white-space:normal}
.text_cell_render pre,.text_cell_render .highlight{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:.6rem .9rem;margin:.6rem 0}
.text_cell_render .highlight pre{border:0;padding:0;margin:0}
.output_html{max-height:40em;overflow:auto}
blockquote{margin:1rem 0;padding:.2rem 1rem;color:#495057;border-left:4px solid #dee2e6}
details.code-fold>summary{cursor:pointer;color:#6c757d;font-size:.9rem;margin-bottom:.3rem}
[class^=callout],[class*=" callout"]{margin:1rem 0;padding:.5rem 1rem;border-left:4px solid #1a5fb4;background:#eef4fb;border-radius:4px}
.callout-warning,.callout-important,.callout-caution{border-left-color:#e67700;background:#fff4e6}
nav.pager{display:flex;justify-content:space-between;margin-top:3rem;padding-top:1rem;border-top:1px solid #dee2e6}
@media (max-width:800px){.sidebar{position:static;width:auto;border-right:none;border-bottom:1px solid #dee2e6}main{margin-left:0;padding:1rem}}
"""

def page_css() -> str:
    "The site's inline CSS: layout, cells, API sections, tables, and pygments' colours for code."
    from pygments.formatters import HtmlFormatter
    return _CSS + HtmlFormatter(style='default').get_style_defs('.highlight')

def _inline_code(s): return re.sub(r'`([^`]+)`', r'<code>\1</code>', s)

def page_html(title: str, body: str, site: list, current: str, subtitle: str = '', toc: list = (),
              site_title: str = '', site_desc: str = '') -> str:
    "One HTML page: sidebar over `site` [(file, title) or (file, title, group)] with `current` marked and its `toc`, title, `body`, pager."
    e = html.escape
    items, group = [], ''
    for file, t, *g in site:
        if (g := (g[0] if g else '') or '') != group:   # a run of pages of one group: under its heading
            if group: items.append('</ol></li>')
            if g: items.append(f'<li class="group"><span class="group-title">{e(g)}</span><ol>')
            group = g
        cur = ' class="current" aria-current="page"' if file == current else ''
        sub = ''
        if file == current and toc: sub = '<ol class="toc">' + ''.join(f'<li><a href="#{e(i)}">{e(x)}</a></li>' for i, x in toc) + '</ol>'
        items.append(f'<li><a href="{e(_rel(file, current))}"{cur}>{e(t)}</a>{sub}</li>')
    if group: items.append('</ol></li>')
    files = [f for f, *_ in site]
    i = files.index(current) if current in files else -1
    prev = f'<a href="{e(_rel(site[i-1][0], current))}">← {e(site[i-1][1])}</a>' if i > 0 else '<span></span>'
    nxt = f'<a href="{e(_rel(site[i+1][0], current))}">{e(site[i+1][1])} →</a>' if 0 <= i < len(site) - 1 else '<span></span>'
    head_title = e(title if not site_title or title == site_title else f'{title} – {site_title}')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{head_title}</title>{f'<meta name="description" content="{e(subtitle.replace("`", ""))}">' if subtitle else ''}
<style>{page_css()}</style></head>
<body>
<nav class="sidebar" aria-label="Pages"><a class="site-title" href="{e(_rel(files[0], current)) if files else 'index.html'}">{e(site_title or title)}</a>
{f'<p class="site-desc">{e(site_desc)}</p>' if site_desc else ''}<ol>{''.join(items)}</ol></nav>
<main>
<h1 class="title">{e(title)}</h1>{f'<p class="subtitle">{_inline_code(e(subtitle))}</p>' if subtitle else ''}
{body}
<nav class="pager" aria-label="Previous and next">{prev}{nxt}</nav>
</main>
</body></html>
"""

class _PageScan(HTMLParser):
    "Ids, links, image sources, sidebar links, code, outputs and prose of one HTML page."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.imgs, self.nav, self.code, self._nav, self._code = set(), [], [], [], [], 0, 0
        self.outputs, self.prose, self._out, self._prose, self._literal = [], [], 0, 0, 0   # prose: markdown text outside code
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.add(a['id'])
        if tag == 'a' and a.get('name'): self.ids.add(a['name'])
        if tag == 'nav' and 'sidebar' in (a.get('class') or ''): self._nav += 1
        elif tag == 'nav' and self._nav: self._nav += 1
        if tag == 'a' and a.get('href') is not None:
            self.links.append(a['href'])
            if self._nav: self.nav.append(a['href'])
        if tag == 'img': self.imgs.append(a.get('src') or '')
        if tag in ('pre', 'code'): self._literal += 1
        for kind, cls, texts in (('_code', 'input_area', self.code), ('_out', 'output_area', self.outputs), ('_prose', 'text_cell_render', self.prose)):
            if tag == 'div' and getattr(self, kind): setattr(self, kind, getattr(self, kind) + 1)
            elif tag == 'div' and cls in (a.get('class') or '').split(): setattr(self, kind, 1); texts.append('')
    def handle_endtag(self, tag):
        if tag == 'nav' and self._nav: self._nav -= 1
        if tag in ('pre', 'code') and self._literal: self._literal -= 1
        for kind in ('_code', '_out', '_prose'):
            if tag == 'div' and getattr(self, kind): setattr(self, kind, getattr(self, kind) - 1)
    def handle_data(self, data):
        if self._code: self.code[-1] += data
        if self._out: self.outputs[-1] += data
        if self._prose and not self._literal: self.prose[-1] += data

def _output_patterns():
    "The patterns of a warning and of a machine path that `tools/check_outputs.py` looks for in committed outputs."
    spec = importlib.util.spec_from_file_location('_fmrec_check_outputs', Path(__file__).with_name('check_outputs.py'))
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod.WARNING, mod.PATH

def check_site(site: str | Path, doc_url: str | None = None) -> list[str]:
    "Problems of the HTML site in folder `site`: broken local links and anchors, missing images, nav gaps, leaked directives, warnings and machine paths shown."
    site = Path(site).resolve()
    pages = sorted(site.rglob('*.html'))
    if not pages: return [f'{site.name}: no HTML pages']
    scans = {}
    for p in pages:
        scans[p] = s = _PageScan()
        s.feed(p.read_text(encoding='utf-8'))
    names = {p.relative_to(site).as_posix() for p in pages}
    warning, machine_path = _output_patterns()
    problems = []
    for p, s in scans.items():
        rel = p.relative_to(site).as_posix()
        for href in s.links:
            u = urlsplit(href)
            if u.scheme or u.netloc:
                if doc_url and href.startswith(doc_url) and (href[len(doc_url):].lstrip('/').split('#')[0] or 'index.html') in names:
                    problems.append(f'{rel}: link to the online docs for a local page: {href}')
                continue
            target = (p.parent / unquote(u.path)).resolve() if u.path else p
            if not target.is_relative_to(site) or not target.exists():
                problems.append(f'{rel}: broken link {href}'); continue
            if u.fragment and target.suffix == '.html' and unquote(u.fragment) not in scans[target].ids:
                problems.append(f'{rel}: missing anchor {href}')
        for src in s.imgs:
            u = urlsplit(src)
            if u.scheme == 'data': continue
            if u.scheme or u.netloc: problems.append(f'{rel}: image not embedded: {src[:80]}'); continue
            target = (p.parent / unquote(u.path)).resolve()
            if not u.path or not target.is_relative_to(site) or not target.is_file(): problems.append(f'{rel}: missing image {src[:80]}')
        in_nav = {t.relative_to(site).as_posix() for h in s.nav if (u := urlsplit(h)).path and not (u.scheme or u.netloc)
                  and (t := (p.parent / unquote(u.path)).resolve()).is_relative_to(site)}
        for missing in sorted(names - in_nav): problems.append(f'{rel}: sidebar misses {missing}')
        for src in s.code:
            if m := re.match(r'\s*(#\|\s*[\w-]+.*)', src): problems.append(f'{rel}: directive shown: {m.group(1)[:60]}')
        for text in s.outputs:
            if m := warning.search(text): problems.append(f'{rel}: warning shown in an output: {m.group(0).strip()[:60]}')
        for text in s.outputs + s.prose:
            if m := machine_path.search(text): problems.append(f'{rel}: machine path shown: {m.group(0)[:60]}')
    return problems

_MARKER = '.fmrec-docs'   # marks a folder as a site this tool wrote (the name fmrec-docs used, so its sites are replaced too)

def _doc_url(cfg): return f"{cfg.get('doc_host', '')}{cfg.get('doc_baseurl', '')}".rstrip('/') + '/' if cfg.get('doc_host') else None

def _umask() -> int:
    "The process's umask (read by setting it and putting it back)."
    m = os.umask(0o022); os.umask(m)
    return m

_re_abs_dir = re.compile(r"""(?<![\w.:/~-])/(?:[^\s:'"/()<>]+/)+""")

def _scrub(text: str, root: str | Path | None = None) -> str:
    "`text` without machine paths: paths under the project `root` relative to it, other absolute folders dropped (file names kept)."
    if root: text = text.replace(str(root) + os.sep, '').replace(str(root), '.')
    return _re_abs_dir.sub('', text)

def _shown(p: Path, given: str | Path) -> str:
    "How path `p` (the user's `given`) is named in messages: relative to the working directory when it is under it."
    try: return Path(p).resolve().relative_to(Path.cwd().resolve()).as_posix() or '.'
    except ValueError: return str(given)

@contextmanager
def _captured_output():
    "Everything written to file descriptors 1 and 2 in the block, child processes' output included, in `buf['text']` instead of the terminal."
    buf = {'text': ''}
    sys.stdout.flush(); sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as f:
        os.dup2(f.fileno(), 1); os.dup2(f.fileno(), 2)
        try: yield buf
        finally:
            sys.stdout.flush(); sys.stderr.flush()
            os.dup2(saved[0], 1); os.dup2(saved[1], 2)
            for fd in saved: os.close(fd)
            f.seek(0); buf['text'] = f.read().decode('utf-8', 'replace')

_re_warning = re.compile(r'^\S[^\n]*?:\d+: (\w*Warning): ', re.MULTILINE)

def _notebooks(nbs: Path, recursive: bool = True) -> list[Path]:
    "The notebooks under folder `nbs` that nbdev documents (none in or named `_*`/`.*`): index first, top-level ones in file order, then each subfolder's."
    found = nbs.rglob('*.ipynb') if recursive else nbs.glob('*.ipynb')
    found = [p for p in found if not any(part.startswith(('_', '.')) for part in p.relative_to(nbs).parts)]
    def _key(p):
        rel = p.relative_to(nbs)
        return (len(rel.parts) > 1, rel.parent.as_posix(), p.stem != 'index', p.name)
    return sorted(found, key=_key)

def _group(nb: str) -> str:
    "The sidebar heading of notebook `nb` (its path under the notebooks folder): its subfolder's name, '' at the top level."
    return ' / '.join(re.sub(r'[_-]+', ' ', x).strip().capitalize() for x in PurePosixPath(nb).parent.parts)

def build_site(nbs_path: str | Path | None = None, dest: str | Path = '_site', n_workers: int = 2,
               proc: bool = True, force: bool = False, verbose: bool = False, log=print) -> Path:
    "Build the offline HTML site of the notebooks in `nbs_path` (default: the project's) into `dest`; returns `dest`. Reports through `log`."
    if not is_nbdev(nbs_path): raise DocsError(f'No pyproject.toml with a [tool.nbdev] section above {nbs_path or "the working directory"}.')
    cfg = get_config(nbs_path)
    root = Path(cfg.config_path)
    nbs = Path(nbs_path).resolve() if nbs_path else Path(cfg.nbs_path)
    dest_given, dest = dest, (Path(dest) if Path(dest).is_absolute() else root / dest)
    if dest.exists() and not (dest / _MARKER).exists():
        raise DocsError(f'{_shown(dest, dest_given)} exists and is not a site written by {PROG}; give another --dest or remove it.')
    nbs_list = _notebooks(nbs, bool(cfg.get('recursive', True)))
    if not nbs_list: raise DocsError(f'{_shown(nbs, nbs_path or nbs.name)} has no notebooks to document.')
    cwd, out = os.getcwd(), {'text': ''}
    try:
        os.chdir(root)   # as nbdev-docs does: cells that nbdev runs see the project root as their working directory
        if proc:
            with _captured_output() as out:   # nbdev's warnings (each with a cell's code) and its workers' output
                cache = proc_nbs(str(nbs), n_workers=n_workers, force=force)
        else: cache = root / '_proc'
    except Exception as e:   # nbdev re-raises a worker's failure with the notebook's title, the cell and the error
        if verbose and out['text'].strip(): log(_scrub(out['text'], root).rstrip())
        lines = [l for l in str(e).strip().splitlines() if l.strip()] or [repr(e)]
        titles = {frontmatter(nbformat.read(p, as_version=4)).get('title'): p.relative_to(nbs).as_posix() for p in nbs_list}
        m = re.match(r'Error in notebook: (.*) in cell (\d+)', lines[0])
        where = f'{titles.get(m.group(1), m.group(1))}, processed cell {m.group(2)}' if m else lines[0].rstrip(' :')
        raise DocsError(_scrub(f"nbdev's processing of the notebooks failed, as nbdev-docs would: {where}: {lines[-1]} "
                        "(to render show_doc, nbdev runs each notebook's exported cells, show_doc cells and every cell with an import, "
                        "from the project root: keep imports out of experiment cells).", root)) from e
    finally: os.chdir(cwd)
    if proc:
        n_warn = len(_re_warning.findall(out['text']))
        if verbose and out['text'].strip(): log(_scrub(out['text'], root).rstrip())
        elif n_warn: log(f'{PROG}: nbdev processing gave {n_warn} warning{"s" * (n_warn != 1)} (--verbose shows them)')
    procd = {}
    for p in nbs_list:
        rel = p.relative_to(nbs).as_posix()
        if not (cache / rel).exists(): raise DocsError(f'{cache.name}/{rel} is missing: run nbdev-proc-nbs or leave out --skip-proc.')
        procd[rel] = nbformat.read(cache / rel, as_version=4)
    fms = {n: frontmatter(nb) for n, nb in procd.items()}
    pages = {n: page_name(n, fms[n]) for n in procd}
    site = [(pages[n], str(fms[n].get('title') or PurePosixPath(n).stem), _group(n)) for n in procd]
    doc_url = _doc_url(cfg)
    site_title, site_desc = str(cfg.get('title') or cfg.get('lib_name') or ''), str(cfg.get('description') or '')
    tmp = Path(tempfile.mkdtemp(prefix=f'.{dest.name}-', dir=dest.parent if dest.parent.exists() else None))
    try:
        os.chmod(tmp, 0o777 & ~_umask())   # mkdtemp makes it 0700; the site is an ordinary folder
        (tmp / _MARKER).write_text(f'written by tools/{PROG}.py; this folder is replaced on the next build\n')
        bodies = {}
        for n, nb in procd.items():
            folder = cache / PurePosixPath(n).parent
            bodies[n] = retarget_headings(mark_math(embed_images(render_cells(prepare_notebook(nb), path=folder), folder)))
        anchors = {pages[n]: set(re.findall(r'\sid="([^"]*)"', body)) for n, (body, _) in bodies.items()}
        for (n, (body, toc)), (page, title, _) in zip(bodies.items(), site):
            body = rewrite_links(body, pages, doc_url, anchors, current=n)
            (tmp / page).parent.mkdir(parents=True, exist_ok=True)
            (tmp / page).write_text(page_html(title, body, site, page, subtitle=str(fms[n].get('description') or ''),
                                              toc=toc, site_title=site_title, site_desc=site_desc), encoding='utf-8')
            if verbose: log(f'  {page}  ({n})')
        dest.parent.mkdir(parents=True, exist_ok=True)
        old = dest.with_name(f'.{dest.name}-old-{os.getpid()}')
        if dest.exists(): dest.rename(old)
        shutil.move(str(tmp), str(dest))
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists(): shutil.rmtree(tmp, ignore_errors=True)
    return dest

@call_parse
def main(
    dest: str = '_site',       # Folder for the site, relative to the project root (replaced if it holds an earlier site)
    path: str = None,          # Notebooks folder (default: the project's nbs_path)
    n_workers: int = 2,        # Processes for nbdev's notebook processing
    skip_proc: bool = False,   # Render the existing _proc/ as it is instead of running nbdev's processing first
    force: bool = False,       # Reprocess every notebook, ignoring nbdev's cache in _proc/
    verbose: bool = False,     # Also print nbdev's warnings and output, and one line per page
):
    "Build the documentation site offline (nbdev processing + nbconvert, no Quarto) and check its links."
    try: out = build_site(path, dest, n_workers=n_workers, proc=not skip_proc, force=force, verbose=verbose)
    except DocsError as e: sys.exit(f'{PROG}: {e}')
    problems = check_site(out, _doc_url(get_config(path)))
    where = _shown(out, dest)
    print(f'{PROG}: {len(list(out.rglob("*.html")))} pages in {where}; open {where}/index.html')
    if problems:
        print(f'{PROG}: {len(problems)} problems:', *problems, sep='\n  ', file=sys.stderr)
        sys.exit(1)
