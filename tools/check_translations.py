#!/usr/bin/env python3
"""Check lesson translation files against the English lessons.

Usage:
    python3 tools/check_translations.py [FILE_OR_DIR ...]

With no argument it checks every `lessons/*/*.toml` (run from the repository root).
A directory argument checks the `*.toml` files in it. The format is the one in
spec/translation-format.md: a file `lessons/LANG/NN-name.toml` holds `lesson`, `lang`,
and pairs `{ en = "...", tr = "..." }` for the lesson's learner-visible strings.

For each file it checks (Python 3.11+, tomllib only):
  - the file is valid TOML; `lang` equals the directory name; `lesson` names a lesson
    (an `id` of some `*.toml` in the parent directory of the language directory);
  - only the allowed keys appear (top: lesson, lang, title, summary, part, step;
    step: title, text, expect, question, task; expect: says; question: ask, choices,
    explain; task: goal, hints);
    a pair has exactly `en` and `tr`, both strings;
  - each `en` equals the lesson's English string exactly, as TOML parses it;
  - step ids exist; expect N is the lesson step's Nth [[step.expect]] (counted from 1
    among all its expects) and has a `says`; question N exists; `choices` has the same
    count as the lesson's;
  - no control characters (other than newline) in `en` or `tr`.
Errors make the exit status 1. Strings of the lesson that have no translation are listed
as warnings (they fall back to English), and do not change the exit status.
"""
import sys
import tomllib
from pathlib import Path

TOP = {"lesson", "lang", "title", "summary", "part", "step"}
STEP = {"title", "text", "expect", "question", "task"}
TASK = {"goal", "hints"}
EXPECT = {"says"}
QUESTION = {"ask", "choices", "explain"}


def control_chars(s):
    return [hex(ord(c)) for c in s if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]


class Checker:
    def __init__(self, path):
        self.path = path
        self.errors = []
        self.warnings = []

    def err(self, where, msg):
        self.errors.append(f"{self.path}: {where}: {msg}")

    def warn(self, where, msg):
        self.warnings.append(f"{self.path}: {where}: {msg}")

    def pair(self, where, value, english):
        """Check one {en, tr} pair against the lesson's English string."""
        if not isinstance(value, dict):
            self.err(where, "must be a table { en = ..., tr = ... }")
            return
        if set(value) != {"en", "tr"}:
            self.err(where, f"a pair has exactly `en` and `tr`, found {sorted(value)}")
        for k in ("en", "tr"):
            v = value.get(k)
            if not isinstance(v, str):
                self.err(f"{where}.{k}", "must be a string")
            elif control_chars(v):
                self.err(f"{where}.{k}", f"control characters {control_chars(v)}")
        if english is None:
            self.err(where, "the lesson has no such string")
        elif value.get("en") != english:
            self.err(where, "`en` differs from the lesson's English (stale):\n"
                     f"    lesson: {english!r}\n    en:     {value.get('en')!r}")
        if isinstance(value.get("tr"), str) and not value["tr"].strip():
            self.err(f"{where}.tr", "is empty")


def load_lessons(lessons_dir):
    out = {}
    for p in sorted(lessons_dir.glob("*.toml")):
        with open(p, "rb") as f:
            doc = tomllib.load(f)
        if "id" in doc:
            out[doc["id"]] = doc
    return out


def check_file(path, lessons_cache):
    c = Checker(path)
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        c.err("toml", str(e))
        return c
    lessons_dir = path.parent.parent
    if lessons_dir not in lessons_cache:
        lessons_cache[lessons_dir] = load_lessons(lessons_dir)
    lessons = lessons_cache[lessons_dir]

    for k in doc:
        if k not in TOP:
            c.err(k, "unknown key")
    if doc.get("lang") != path.parent.name:
        c.err("lang", f"{doc.get('lang')!r} differs from the directory name {path.parent.name!r}")
    lesson = lessons.get(doc.get("lesson"))
    if lesson is None:
        c.err("lesson", f"no lesson has the id {doc.get('lesson')!r}")
        return c

    for k in ("title", "summary", "part"):
        if k in doc:
            c.pair(k, doc[k], lesson.get(k))
        elif k in lesson:
            c.warn(k, "not translated")

    lsteps = {s["id"]: s for s in lesson.get("step", [])}
    tsteps = doc.get("step", {})
    if not isinstance(tsteps, dict):
        c.err("step", "must be a table of steps by id")
        tsteps = {}
    for sid, ts in tsteps.items():
        w = f"step.{sid}"
        ls = lsteps.get(sid)
        if ls is None:
            c.err(w, "no step with this id in the lesson")
            continue
        for k in ts:
            if k not in STEP:
                c.err(f"{w}.{k}", "unknown key")
        for k in ("title", "text"):
            if k in ts:
                c.pair(f"{w}.{k}", ts[k], ls.get(k))
        lexp = ls.get("expect", [])
        for n, te in ts.get("expect", {}).items():
            we = f"{w}.expect.{n}"
            if not n.isdigit() or not 1 <= int(n) <= len(lexp):
                c.err(we, f"no such expect (the step has {len(lexp)})")
                continue
            for k in te:
                if k not in EXPECT:
                    c.err(f"{we}.{k}", "unknown key")
            if "says" in te:
                c.pair(f"{we}.says", te["says"], lexp[int(n) - 1].get("says"))
        lq = ls.get("question", [])
        for n, tq in ts.get("question", {}).items():
            wq = f"{w}.question.{n}"
            if not n.isdigit() or not 1 <= int(n) <= len(lq):
                c.err(wq, f"no such question (the step has {len(lq)})")
                continue
            q = lq[int(n) - 1]
            for k in tq:
                if k not in QUESTION:
                    c.err(f"{wq}.{k}", "unknown key")
            for k in ("ask", "explain"):
                if k in tq:
                    c.pair(f"{wq}.{k}", tq[k], q.get(k))
            if "choices" in tq:
                lc, tc = q.get("choices"), tq["choices"]
                if lc is None:
                    c.err(f"{wq}.choices", "the lesson's question has no choices")
                elif not isinstance(tc, list) or len(tc) != len(lc):
                    c.err(f"{wq}.choices", f"{len(tc) if isinstance(tc, list) else '?'} choices, the lesson has {len(lc)}")
                else:
                    for i, (t, e) in enumerate(zip(tc, lc), 1):
                        c.pair(f"{wq}.choices[{i}]", t, e)
        lt = ls.get("task", [])
        for n, tt in ts.get("task", {}).items():
            wt = f"{w}.task.{n}"
            if not n.isdigit() or not 1 <= int(n) <= len(lt):
                c.err(wt, f"no such task (the step has {len(lt)})")
                continue
            task = lt[int(n) - 1]
            for k in tt:
                if k not in TASK:
                    c.err(f"{wt}.{k}", "unknown key")
            if "goal" in tt:
                c.pair(f"{wt}.goal", tt["goal"], task.get("goal"))
            if "hints" in tt:
                lh, th = task.get("hints", []), tt["hints"]
                if not isinstance(th, list) or len(th) != len(lh):
                    c.err(f"{wt}.hints", f"{len(th) if isinstance(th, list) else '?'} hints, the lesson has {len(lh)}")
                else:
                    for i, (t, e) in enumerate(zip(th, lh), 1):
                        c.pair(f"{wt}.hints[{i}]", t, e.get("text"))

    # what the lesson has that the file does not translate
    for sid, ls in lsteps.items():
        ts = tsteps.get(sid, {}) if isinstance(tsteps, dict) else {}
        for k in ("title", "text"):
            if k not in ts:
                c.warn(f"step.{sid}.{k}", "not translated")
        for n, e in enumerate(ls.get("expect", []), 1):
            if "says" in e and "says" not in ts.get("expect", {}).get(str(n), {}):
                c.warn(f"step.{sid}.expect.{n}.says", "not translated")
        for n, q in enumerate(ls.get("question", []), 1):
            tq = ts.get("question", {}).get(str(n), {})
            for k in ("ask", "choices", "explain"):
                if k in q and k not in tq:
                    c.warn(f"step.{sid}.question.{n}.{k}", "not translated")
        for n, task in enumerate(ls.get("task", []), 1):
            tt = ts.get("task", {}).get(str(n), {})
            for k in ("goal", "hints"):
                if k in task and k not in tt:
                    c.warn(f"step.{sid}.task.{n}.{k}", "not translated")
    return c


def main(argv):
    args = [Path(a) for a in argv] or [Path("lessons")]
    files = []
    for a in args:
        if a.is_dir():
            found = sorted(a.glob("*.toml")) if a.name != "lessons" else sorted(a.glob("*/*.toml"))
            files += found
        else:
            files.append(a)
    cache, errors, warnings = {}, 0, 0
    for f in files:
        try:
            c = check_file(f, cache)
        except (AttributeError, TypeError, ValueError, OSError) as e:
            # a table where a string was due, or the reverse: report it, do not crash
            c = Checker(f)
            c.err("structure", f"not in the translation format ({type(e).__name__}: {e})")
        for m in c.errors:
            print("error:", m)
        for m in c.warnings:
            print("warning:", m)
        errors += len(c.errors)
        warnings += len(c.warnings)
        if not c.errors and not c.warnings:
            print(f"ok: {f}")
    print(f"{len(files)} files, {errors} errors, {warnings} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
