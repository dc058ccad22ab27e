#!/usr/bin/env python3
"""Regenerates cases.json: real chat templates rendered by Python Jinja2 3.1 on many conversations,
configured the way Hugging Face transformers' apply_chat_template does (as testdata/README.md describes
for chat-templates.json). It covers
  - every template in templates/ (sources in sources.json), on the base conversations and the extra ones;
  - every template of testdata/chat-templates.json, on the extra conversations only (that file already
    has the base ones).
A case has `expected` (the output), `error` (the template called raise_exception with this message) or
`python_error` (Jinja2 failed otherwise, e.g. an undefined value or a type error; Hearth must fail too).

Usage: python3 generate.py [path/to/testdata]   (needs `pip install jinja2`)
"""
import json
import os
import sys
from datetime import datetime

from jinja2 import nodes
from jinja2.exceptions import TemplateError
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationExtension(Extension):
    """{% generation %}...{% endgeneration %} renders its body, like transformers' AssistantTracker."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


class Raised(TemplateError):
    pass


def raise_exception(message):
    raise Raised(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime(2024, 7, 26, 12, 0, 0).strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=[GenerationExtension, "jinja2.ext.loopcontrols"])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

here = os.path.dirname(os.path.abspath(__file__))
testdata = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, *[".."] * 9, "testdata")


def load(name):
    with open(os.path.join(here, name), encoding="utf-8") as f:
        return json.load(f)


conversations = load("conversations.json")
VARIABLES = ("messages", "add_generation_prompt", "bos_token", "eos_token", "tools")


def render(source, conv):
    case = {"name": conv["name"]}
    for k in VARIABLES:
        if k in conv:
            case[k] = conv[k]
    case.setdefault("bos_token", "<BOS>")
    case.setdefault("eos_token", "<EOS>")
    variables = {k: case[k] for k in VARIABLES if k in case}
    if "variables" in conv:  # more template variables, as a server passes for `think`
        case["variables"] = conv["variables"]
        variables.update(conv["variables"])
    try:
        case["expected"] = env.from_string(source).render(**variables)
    except Raised as e:
        case["error"] = str(e)
    except Exception as e:  # any other failure of Jinja2: Hearth must fail as well
        case["python_error"] = type(e).__name__ + ": " + str(e)
    return case


out = []
sources = load("sources.json")
for name in sorted(os.listdir(os.path.join(here, "templates"))):
    with open(os.path.join(here, "templates", name), encoding="utf-8") as f:
        source = f.read()
    convs = conversations["base"] + conversations["extra"]
    out.append({"template": name, "file": "templates/" + name, "source": sources[name],
                "cases": [render(source, c) for c in convs]})
with open(os.path.join(testdata, "chat-templates.json"), encoding="utf-8") as f:
    for t in json.load(f):
        out.append({"template": t["template"], "testdata": t["template"],
                    "source": "testdata/chat-templates.json",
                    "cases": [render(t["source"], c) for c in conversations["extra"]]})
with open(os.path.join(here, "cases.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
counts = {}
for t in out:
    for c in t["cases"]:
        k = "expected" if "expected" in c else "error" if "error" in c else "python_error"
        counts[k] = counts.get(k, 0) + 1
print(len(out), "templates", counts)
