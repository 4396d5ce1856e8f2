#!/usr/bin/env python3
"""Check lesson translation files (lessons/LANG/*.toml) against the English lessons.

Format: /work/spec/translation-format.md (agreed). Usage:

    python3 tools/check_translations_zh2.py [FILE_OR_DIR ...]

With no argument it checks lessons/zh-CN/. Prints `file: message` for each error and
`file: warning: ...` for each English string with no translation, then a summary line.
Exits 1 when there is any error. Needs Python 3.11 (tomllib).
"""
import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"

TOP_KEYS = {"lesson", "lang", "title", "summary", "part", "step"}
STEP_KEYS = {"title", "text", "expect", "question"}
EXPECT_KEYS = {"says"}
QUESTION_KEYS = {"ask", "choices", "explain"}


def bad_chars(s):
    """Control characters (C0 except newline, DEL, C1)."""
    return [hex(ord(c)) for c in s if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]


def load_lessons():
    by_id = {}
    for p in sorted(LESSONS.glob("*.toml")):
        with open(p, "rb") as f:
            d = tomllib.load(f)
        by_id[d["id"]] = (p, d)
    return by_id


class Checker:
    def __init__(self, path):
        self.path = path
        self.errors = []
        self.warnings = []
        self.pairs = 0

    def err(self, where, msg):
        self.errors.append(f"{self.path}: {where}: {msg}")

    def warn(self, where, msg):
        self.warnings.append(f"{self.path}: warning: {where}: {msg}")

    def pair(self, where, value, english):
        """Check one {en, tr} pair against the lesson's English string."""
        if not isinstance(value, dict):
            self.err(where, "must be a table { en = ..., tr = ... }")
            return
        keys = set(value)
        if keys != {"en", "tr"}:
            self.err(where, f"a pair has exactly `en` and `tr`, found {sorted(keys)}")
        for k in ("en", "tr"):
            if k in value and not isinstance(value[k], str):
                self.err(where, f"`{k}` must be a string")
        en, tr = value.get("en"), value.get("tr")
        if isinstance(en, str) and en != english:
            self.err(where, "stale: `en` differs from the lesson's English\n"
                     f"    lesson: {english!r}\n    en:     {en!r}")
        if isinstance(tr, str):
            if not tr.strip():
                self.err(where, "`tr` is empty")
            bc = bad_chars(tr) + (bad_chars(en) if isinstance(en, str) else [])
            if bc:
                self.err(where, f"control characters {bc}")
            if isinstance(en, str) and en.count("```") != tr.count("```"):
                self.err(where, "code fences differ in number between `en` and `tr`")
            if isinstance(en, str) and en.count("`") % 2 == 0 and tr.count("`") % 2 != 0:
                self.err(where, "odd number of backticks in `tr`")
        self.pairs += 1

    def check(self, lessons):
        raw = self.path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.err("file", f"not UTF-8: {e}")
            return
        bc = [hex(ord(c)) for c in text if (ord(c) < 0x20 and c not in "\n") or 0x7F <= ord(c) <= 0x9F]
        if bc:
            self.err("file", f"control characters in the file: {sorted(set(bc))}")
        try:
            t = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            self.err("file", f"invalid TOML: {e}")
            return
        for k in t:
            if k not in TOP_KEYS:
                self.err(k, "unknown key at the top")
        lang = t.get("lang")
        if not isinstance(lang, str):
            self.err("lang", "required string")
        elif lang != self.path.parent.name:
            self.err("lang", f"{lang!r} differs from the directory name {self.path.parent.name!r}")
        lid = t.get("lesson")
        if lid not in lessons:
            self.err("lesson", f"no lesson has id {lid!r}")
            return
        lpath, L = lessons[lid]
        # A file name that differs from its lesson's is fine (format spec).

        for k in ("title", "summary", "part"):
            if k in L:
                if k in t:
                    self.pair(k, t[k], L[k])
                else:
                    self.warn(k, "not translated")
            elif k in t:
                self.err(k, "the lesson has no such string")

        lsteps = {s["id"]: s for s in L.get("step", [])}
        tsteps = t.get("step", {})
        if not isinstance(tsteps, dict):
            self.err("step", "must be a table of steps by id")
            tsteps = {}
        for sid, ts in tsteps.items():
            w = f"step.{sid}"
            if sid not in lsteps:
                self.err(w, "no step with this id in the lesson")
                continue
            ls = lsteps[sid]
            for k in ts:
                if k not in STEP_KEYS:
                    self.err(f"{w}.{k}", "unknown key in a step")
            for k in ("title", "text"):
                if k in ts:
                    self.pair(f"{w}.{k}", ts[k], ls[k])
            lex = ls.get("expect", [])
            for n, te in ts.get("expect", {}).items():
                we = f"{w}.expect.{n}"
                if not n.isdigit() or not 1 <= int(n) <= len(lex):
                    self.err(we, f"no such expect (the step has {len(lex)})")
                    continue
                le = lex[int(n) - 1]
                for k in te:
                    if k not in EXPECT_KEYS:
                        self.err(f"{we}.{k}", "unknown key in an expect")
                if "says" in te:
                    if "says" not in le:
                        self.err(f"{we}.says", "this expect has no `says` in the lesson")
                    else:
                        self.pair(f"{we}.says", te["says"], le["says"])
            lq = ls.get("question", [])
            for n, tq in ts.get("question", {}).items():
                wq = f"{w}.question.{n}"
                if not n.isdigit() or not 1 <= int(n) <= len(lq):
                    self.err(wq, f"no such question (the step has {len(lq)})")
                    continue
                q = lq[int(n) - 1]
                for k in tq:
                    if k not in QUESTION_KEYS:
                        self.err(f"{wq}.{k}", "unknown key in a question")
                for k in ("ask", "explain"):
                    if k in tq:
                        self.pair(f"{wq}.{k}", tq[k], q[k])
                if "choices" in tq:
                    if "choices" not in q:
                        self.err(f"{wq}.choices", "this question has no choices (answer_from)")
                    elif not isinstance(tq["choices"], list) or len(tq["choices"]) != len(q["choices"]):
                        self.err(f"{wq}.choices", f"choice count differs: the lesson has {len(q['choices'])}")
                    else:
                        for i, (tc, lc) in enumerate(zip(tq["choices"], q["choices"]), 1):
                            self.pair(f"{wq}.choices[{i}]", tc, lc)

        # Missing translations: warnings, string by string.
        for sid, ls in lsteps.items():
            ts = tsteps.get(sid, {}) if isinstance(tsteps.get(sid, {}), dict) else {}
            for k in ("title", "text"):
                if k not in ts:
                    self.warn(f"step.{sid}.{k}", "not translated")
            for n, le in enumerate(ls.get("expect", []), 1):
                if "says" in le and "says" not in ts.get("expect", {}).get(str(n), {}):
                    self.warn(f"step.{sid}.expect.{n}.says", "not translated")
            for n, q in enumerate(ls.get("question", []), 1):
                tq = ts.get("question", {}).get(str(n), {})
                for k in ("ask", "choices", "explain"):
                    if k in q and k not in tq:
                        self.warn(f"step.{sid}.question.{n}.{k}", "not translated")


def main(argv):
    args = [pathlib.Path(a) for a in argv] or [LESSONS / "zh-CN"]
    files = []
    for a in args:
        files += sorted(a.glob("*.toml")) if a.is_dir() else [a]
    lessons = load_lessons()
    n_err = n_warn = n_pairs = 0
    for f in files:
        c = Checker(f)
        c.check(lessons)
        for m in c.errors + c.warnings:
            print(m)
        print(f"{f}: {c.pairs} pairs, {len(c.errors)} errors, {len(c.warnings)} warnings")
        n_err += len(c.errors)
        n_warn += len(c.warnings)
        n_pairs += c.pairs
    print(f"{len(files)} files, {n_pairs} pairs, {n_err} errors, {n_warn} warnings")
    return 1 if n_err else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
