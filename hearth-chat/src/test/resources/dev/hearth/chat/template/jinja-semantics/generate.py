#!/usr/bin/env python3
"""Regenerates expected.json from cases.txt with Python Jinja2 (3.1.x), configured the way Hugging Face
transformers' apply_chat_template does (see testdata/README.md, section chat-templates.json).

cases.txt: one template per line; "\\n" in the line stands for a newline; an optional TAB then a JSON
object of variables; lines starting with "##" are comments. Outputs that contain memory addresses
("at 0x...") are left out, since no other implementation can reproduce them.

Usage: python3 generate.py  (needs `pip install jinja2`)
"""
import json
import os
from datetime import datetime

import jinja2
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


def raise_exception(message):
    raise TemplateError(message)


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
out = []
with open(os.path.join(here, "cases.txt"), encoding="utf-8") as f:
    for line in f:
        line = line.rstrip("\n")
        if not line or line.startswith("##"):
            continue
        template, _, variables = line.partition("\t")
        template = template.replace("\\n", "\n")
        variables = json.loads(variables) if variables else {}
        case = {"template": template, "variables": variables}
        try:
            case["expected"] = env.from_string(template).render(**variables)
        except Exception as e:  # the engine must fail too; raise_exception messages must match exactly
            case["error"] = type(e).__name__
            case["message"] = str(e)
        if "at 0x" in case.get("expected", ""):
            continue
        out.append(case)
with open(os.path.join(here, "expected.json"), "w", encoding="utf-8") as f:
    json.dump({"generator": "Python Jinja2 " + jinja2.__version__, "cases": out}, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(out), "cases")
