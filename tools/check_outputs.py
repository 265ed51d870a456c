#!/usr/bin/env python3
"""Fail when a committed notebook output holds a warning or a machine path (they end up on the rendered pages).
Run from the repository root: python tools/check_outputs.py [--fix]; --fix drops warning outputs and shortens paths."""
import json, re, sys
from pathlib import Path

PATH = re.compile(r'(/(?:root|home|work|tmp|private|Users|var/folders)/[^\s\'"),]*|[A-Za-z]:\\\\[^\s\'"]*|site-packages)')
WARNING = re.compile(r'\b\w*Warning\b|^\s*warnings\.warn', re.M)

def _text(o) -> str:
    if 'text' in o: return ''.join(o['text'])
    return ''.join(''.join(v) if isinstance(v, list) else str(v) for k, v in o.get('data', {}).items() if k.startswith('text/'))

def problems(nb_path: Path, fix: bool = False) -> list:
    "`(cell, what)` of each output of `nb_path` that shows a warning or a machine path (removed or shortened with `fix`)."
    nb, out = json.loads(nb_path.read_text()), []
    for i, c in enumerate(nb['cells']):
        keep = []
        for o in c.get('outputs', []):
            t = _text(o)
            if o.get('name') == 'stderr' and WARNING.search(t) or WARNING.search(t) and o.get('output_type') == 'stream':
                out.append((i, 'warning: ' + WARNING.search(t).group(0)))
                if fix: continue
            elif PATH.search(t):
                out.append((i, 'machine path: ' + PATH.search(t).group(0)[:60]))
                if fix and 'text' in o: o['text'] = PATH.sub(lambda m: '…/' + Path(m.group(0)).name, ''.join(o['text'])).splitlines(True)
            keep.append(o)
        if 'outputs' in c: c['outputs'] = keep
    if fix and out: nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return out

if __name__ == '__main__':
    fix, bad = '--fix' in sys.argv, 0
    for p in sorted(Path('nbs').rglob('*.ipynb')):
        if any(part.startswith(('.', '_')) for part in p.parts): continue
        for cell, what in problems(p, fix):
            bad += 1; print(f"{p} cell {cell}: {what}{' (fixed)' if fix else ''}")
    if bad and not fix: print(f"check_outputs: {bad} output(s) show a warning or a machine path: run python tools/check_outputs.py --fix, or rerun the cell"); sys.exit(1)
    print(f"check_outputs: {'fixed ' + str(bad) if fix else 'no'} output(s) with a warning or a machine path")
