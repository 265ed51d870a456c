"""Write README.md from nbs/index.ipynb (Quarto, which `nbdev-readme` needs, is not installable offline).

Usage: python tools/sync_readme.py [--check]   (--check: exit 1 if README.md is out of date)
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _text(x): return ''.join(x) if isinstance(x, list) else x

def _skip(src: str) -> bool:
    first = [l.strip() for l in src.splitlines() if l.strip().startswith('#|')]
    return any(l.replace(' ', '') in ('#|hide', '#|include:false', '#|echo:false') for l in first)

def render(nb_path: Path) -> str:
    "Markdown of a notebook: markdown cells as they are, code cells fenced, text outputs fenced below them."
    nb, out = json.loads(nb_path.read_text()), []
    for cell in nb['cells']:
        src = _text(cell['source'])
        if cell['cell_type'] == 'markdown': out.append(src.strip()); continue
        if cell['cell_type'] != 'code' or _skip(src): continue
        code = '\n'.join(l for l in src.splitlines() if not l.strip().startswith('#|')).strip()
        if code: out.append(f"```python\n{code}\n```")
        for o in cell.get('outputs', []):
            txt = _text(o.get('text', '')) or _text(o.get('data', {}).get('text/markdown', '')) or _text(o.get('data', {}).get('text/plain', ''))
            if txt.strip(): out.append(f"```\n{txt.rstrip()}\n```")
    return '<!-- generated from nbs/index.ipynb by tools/sync_readme.py: edit the notebook, not this file -->\n\n' + '\n\n'.join(out) + '\n'

if __name__ == '__main__':
    md, readme = render(ROOT / 'nbs' / 'index.ipynb'), ROOT / 'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != md:
            sys.exit('README.md is out of date with nbs/index.ipynb: run python tools/sync_readme.py')
    else: readme.write_text(md)
