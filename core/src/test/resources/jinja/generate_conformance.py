#!/usr/bin/env python3
"""Generates conformance.json: Jinja snippets rendered by Python's Jinja2 (3.1.6 was used) in the environment
Hugging Face transformers uses for chat templates (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
loopcontrols, tojson with ensure_ascii=False, raise_exception, strftime_now fixed to 2026-01-15 12:00:00).
Kiln's JinjaConformanceTest renders every snippet with its own interpreter and compares byte for byte.
Run: python3 generate_conformance.py > conformance.json"""
import json
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda f: datetime(2026, 1, 15, 12, 0, 0).strftime(f)

MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": " Hi, Zürich! "},
        {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nHello."}]

SNIPPETS = [
    # whitespace control
    ("a\n{% if true %}\n  x\n{% endif %}\nb\n", {}),
    ("a\n    {% if true %}\n    x\n    {% endif %}\nb", {}),
    ("a  {%- if true -%}  x  {%- endif -%}  b", {}),
    ("a\n  {%+ if true %}x{% endif %}\n", {}),
    ("a {{- ' x ' -}} b", {}),
    ("line1\n  {# comment #}\nline2", {}),
    ("x {#- c -#} y", {}),
    ("{% for i in [1,2,3] %}\n  {{ i }}\n{% endfor %}\n", {}),
    ("{% raw %}{{ not rendered }}{% endraw %}", {}),
    ("a\r\nb\r\n{{ 'c' }}\r\n", {}),
    ("trailing newline kept once\n\n", {}),
    ("{% if true %}yes{% else %}no{% endif %}|{% if 0 %}a{% elif '' %}b{% elif [1] %}c{% else %}d{% endif %}", {}),
    # literals and printing
    ("{{ none }} {{ None }} {{ true }} {{ False }} {{ 1 }} {{ 1.0 }} {{ 2.50 }} {{ 1e20 }} {{ 1e-5 }} {{ 0.0001 }}", {}),
    ("{{ [1, 'a', none, true, 1.5] }} {{ {'a': 1, 'b': [2]} }} {{ (1,) }} {{ (1, 'x') }} {{ () }}", {}),
    ("{{ \"it's\" }} {{ ['it\\'s', \"q\\\"\"] }} {{ 'a\\nb\\tc' }} {{ ['a\\nb'] }}", {}),
    ("{{ 'abc' 'def' }} {{ '\\u00e9\\x41' }}", {}),
    ("{{ undefined_var }}|{{ undefined_var is defined }}|{{ undefined_var|default('d') }}", {}),
    ("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }}", {}),
    ("{{ 1 + 1.5 }} {{ 'a' ~ 1 ~ none }} {{ 'ab' * 3 }} {{ [1] + [2] }} {{ -(3) }} {{ 10 - 2 - 3 }}", {}),
    ("{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ [1,2] == [1,2] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ (1,2) == [1,2] }}", {}),
    ("{{ 'a' in 'cat' }} {{ 2 in [1,2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }} {{ not 'x' in 'y' }}", {}),
    ("{{ 'yes' if 1 else 'no' }} {{ 'yes' if 0 }}|{{ 0 or 'b' }} {{ 1 and 'c' }} {{ [] or none }}", {}),
    # subscripts and slices
    ("{{ s[0] }}{{ s[-1] }}|{{ s[1:3] }}|{{ s[::-1] }}|{{ s[:-1] }}|{{ s[::2] }}|{{ s[10:] }}|{{ s[-2:] }}", {"s": "Zürich!"}),
    ("{{ l[1:] }}{{ l[::-1] }}{{ l[-1] }}{{ l[5] is defined }}{{ l[:0] }}", {"l": [1, 2, 3]}),
    ("{{ m.a }} {{ m['a'] }} {{ m.b is defined }} {{ m.items is defined }} {{ m.get('a') }} {{ m.get('zz', 'dflt') }} {{ m.get('zz') }}", {"m": {"a": 1}}),
    ("{{ n.x is defined }} {{ n.x }}|{{ n['y'] is defined }}", {"n": None}),
    ("{{ s.content is defined }} {{ s.content }}|", {"s": "str"}),
    # loops
    ("{% for m in messages %}{{ loop.index }}/{{ loop.length }}:{{ loop.first }}{{ loop.last }}{{ loop.revindex0 }} {% endfor %}", {"messages": MSGS}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("{% for k in d %}{{ k }}{% endfor %}|{% for c in 'añb' %}[{{ c }}]{% endfor %}", {"d": {"x": 1, "y": 2}}),
    ("{% for i in range(10) if i is odd %}{{ i }}{% if loop.last %}.{% endif %}{% endfor %}", {}),
    ("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("{% for i in [] %}x{% else %}empty{% endfor %}", {}),
    ("{% for x in [1,2,3] %}{{ loop.previtem is defined }}{{ loop.nextitem | default('-') }}{{ loop.cycle('a','b') }} {% endfor %}", {}),
    ("{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }}{% endfor %}", {}),
    ("{% for i in range(2, 10, 3) %}{{ i }}{% endfor %}{% for i in range(3, 0, -1) %}{{ i }}{% endfor %}", {}),
    ("{% for outer in [1,2] %}{% for inner in [1,2] %}{{ loop.index }}{% endfor %}{{ loop.index }}|{% endfor %}", {}),
    # scoping
    ("{% set x = 1 %}{% for i in [1,2] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}", {}),
    ("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}", {}),
    ("{% set ns = namespace(n=0, s='') %}{% for i in [1,2,3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", {}),
    ("{% set ns = namespace() %}{% set ns.a = 5 %}{{ ns.a }}", {}),
    ("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}", {}),
    ("{% set block %}  inner {{ 1 + 1 }}\n{% endset %}[{{ block }}]", {}),
    ("{% set block | upper %}shout{% endset %}{{ block }}", {}),
    ("{% set messages = messages[1:] %}{{ messages | length }}", {"messages": MSGS}),
    ("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}{{ a is defined }}", {}),
    # macros
    ("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }} {{ greet(name='Z') }}", {}),
    ("{% macro show() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ show(1, 2, k=3) }}", {}),
    ("{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body{% endcall %}", {}),
    ("{% filter upper %}make me loud {{ 'x' }}{% endfilter %}", {}),
    # filters
    ("{{ l | length }} {{ 'añ' | length }} {{ d | length }} {{ l | first }} {{ l | last }} {{ l | join(', ') }} {{ l | list }} {{ 'ab' | list }}", {"l": [3, 1, 2], "d": {"a": 1}}),
    ("{{ l | sort }} {{ l | sort(reverse=true) }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}", {"l": [3, 1, 2]}),
    ("{{ msgs | selectattr('role', 'equalto', 'user') | list | length }} {{ msgs | rejectattr('role', 'eq', 'user') | map(attribute='role') | join(',') }}", {"msgs": MSGS}),
    ("{{ msgs | map(attribute='role') | list }} {{ [1, 0, 2, none] | select | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ [1,2,3] | select('gt', 1) | list }}", {"msgs": MSGS}),
    ("{{ ['a', 'b'] | map('upper') | join }} {{ msgs | sort(attribute='role') | map(attribute='role') | join(' ') }}", {"msgs": MSGS}),
    ("{{ '  x y  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'Hello World' | lower }} {{ 'hi' | upper }} {{ 'hello wORLD' | capitalize }} {{ 'hello wORLD foo-bar' | title }}", {}),
    ("{{ 'a-b-c' | replace('-', '+') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'abc' | reverse }} {{ [1,2] | reverse | list }}", {}),
    ("{{ none | default('x') }} {{ '' | default('x') }} {{ '' | default('x', true) }} {{ u | d('y') }}", {}),
    ("{{ d | items | list }} {{ d | dictsort }} {{ d | dictsort(by='value') }}", {"d": {"b": 1, "a": 2}}),
    ("{{ [1, 2, 2, 'a', 'A'] | unique | list }} {{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ [1, 2, 3] | sum }} {{ [{'v': 2}, {'v': 3}] | sum(attribute='v') }}", {}),
    ("{{ '42' | int }} {{ 'x' | int }} {{ '3.7' | int }} {{ 3.7 | int }} {{ '2.5' | float }} {{ 5 | float }} {{ -3 | abs }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 3.5 | round }}", {}),
    ("{{ 'one two  three' | wordcount }} {{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}|{{ '%s-%d' | format('x', 3) }} {{ '%s and %s' % ('a', 'b') }}", {}),
    ("{{ [1,2,3,4,5] | batch(2) | list }} {{ 'x' | string }} {{ 1 | string }} {{ none | string }} {{ [1, 'a'] | string }}", {}),
    ("{{ '<a href=\"x\">&</a>' | e }} {{ 'x' | safe }} {{ {'b': 1} | attr('items') is defined }}", {}),
    # tojson
    ("{{ d | tojson }}", {"d": {"name": "Zürich", "n": 1, "f": 1.5, "t": True, "z": None, "l": [1, "a\"b\\c\n\u0001"], "e": {}, "el": []}}),
    ("{{ d | tojson(indent=2) }}", {"d": {"a": [1, {"b": None}], "c": {}, "d": []}}),
    ("{{ d | tojson(indent=4) }}|{{ 'x' | tojson }}|{{ 1.0 | tojson }}|{{ [1e20, 1e-7, 0.1] | tojson }}", {"d": [1, 2]}),
    ("{{ d | tojson(sort_keys=true) }} {{ d | tojson(separators=(',', ':')) }} {{ 'é' | tojson(ensure_ascii=true) }}", {"d": {"b": 1, "a": [1, 2]}}),
    ("{{ (1, 2) | tojson }} {{ '\u2028<script>' | tojson }}", {}),
    # tests
    ("{{ 1 is number }}{{ 1.0 is float }}{{ 1 is integer }}{{ true is integer }}{{ 'x' is string }}{{ {} is mapping }}{{ [] is iterable }}{{ 'x' is iterable }}{{ 1 is iterable }}", {}),
    ("{{ none is none }}{{ u is none }}{{ false is false }}{{ 0 is false }}{{ true is true }}{{ true is boolean }}{{ 4 is divisibleby 2 }}{{ 3 is divisibleby(2) }}", {}),
    ("{{ 'ab' is lower }}{{ 'AB' is upper }}{{ 2 is in [1, 2] }}{{ 1 is eq 1 }}{{ 1 is ne 2 }}{{ none is sameas none }}{{ range is callable }}{{ 1 is not string }}", {}),
    ("{{ u is undefined }}{{ [] is sequence }}{{ 'x' is sequence }}{{ 5 is gt 3 }}{{ 5 is lt 3 }}{{ 5 is ge 5 }}{{ 5 is le 4 }}{{ 2 is even }}", {}),
    # string methods
    ("{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\n\nA\n'.lstrip('\n') }}", {"s": "  a b \n"}),
    ("{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a<x>b<x>c'.split('<x>')[-1] }} {{ 'a,b,c'.rsplit(',', 1) }}", {}),
    ("{{ 'hello'.startswith('he') }} {{ 'hello'.endswith(('x', 'lo')) }} {{ 'hello'.replace('l', 'L') }} {{ 'hello'.replace('l', 'L', 1) }} {{ 'Hello'.upper() }} {{ 'Hello'.lower() }}", {}),
    ("{{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'abcabc'.find('c') }} {{ 'abc'.find('z') }} {{ 'abcabc'.count('bc') }} {{ '-'.join(['a', 'b']) }}", {}),
    ("{{ '42'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ 'a\\nb\\n'.splitlines() }} {{ '7'.zfill(3) }} {{ '{} is {}'.format('x', 1) }} {{ 'HeLLo'.swapcase() }}", {}),
    ("{{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }} {{ [1, 2, 1].count(1) }} {{ [1, 2].index(2) }}", {"d": {"a": 1, "b": 2}}),
    ("{{ 'a' ~ '</think>' in c }} {{ c.split('</think>')[-1].lstrip('\\n') }}|{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}", {"c": MSGS[2]["content"]}),
    # globals
    ("{{ strftime_now('%Y-%m-%d %H:%M:%S %d %B %Y %b %a %A %j %I%p %y') }}", {}),
    ("{{ range(3) | list }} {{ dict(a=1, b=2) }} {{ namespace(a=1).a }}", {}),
    ("{{ raise_exception('custom failure: ' + 'x') }}", {}),
    # dict / list literals and equality
    ("{% set m = {'role': 'user', 'content': 'x'} %}{{ m == {'content': 'x', 'role': 'user'} }} {{ m != {'role': 'user'} }} {{ m.role }}", {}),
    ("{{ msgs[1] == msgs | selectattr('role', 'equalto', 'user') | list | last }}", {"msgs": MSGS}),
    ("{{ [1, [2, 3]][1][0] }} {{ {'a': {'b': 'c'}}.a.b }} {{ {'a': {'b': 'c'}}['a']['b'] }} {{ {1: 'one'}[1] }}", {}),
    # constructs seen in other published templates (gpt-oss, GLM, Command-R, Gemma, Kimi, Phi)
    ("{% macro ts(spec) %}{% if spec.type == 'array' %}{{ ts(spec['items']) }}[]{% elif spec.type == 'object' %}{{ '{' }}"
     "{% for k, v in spec.properties.items() %}{{ k }}: {{ ts(v) }}{{ ', ' if not loop.last }}{% endfor %}{{ '}' }}"
     "{% else %}{{ spec.type }}{% endif %}{% endmacro %}{{ ts(schema) }}",
     {"schema": {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"}},
                                                  "b": {"type": "integer"}}}}),
    ("{{ d.items is defined }} {{ d['items'] }} {{ d.get('items') }}", {"d": {"items": [1, 2]}}),
    ("{% macro vis(c) %}{% if c is string %}{{ c }}{% elif c is iterable and c is not mapping %}"
     "{% for p in c %}{{ p.text }}{% endfor %}{% endif %}{% endmacro %}"
     "{{ vis('x') }}|{{ vis([{'text': 'a'}, {'text': 'b'}]) }}|{{ vis('ends /nothink').endswith('/nothink') }}", {}),
    ("{{ tools | tojson(ensure_ascii=False) }}", {"tools": [{"name": "é", "n": 1}]}),
    ("{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{{ m.role[0] }}{% endfor %}",
     {"messages": MSGS[1:]}),
    ("{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{{ m.role[0] }}{% endfor %}",
     {"messages": MSGS}),
    ("{%- set ns = namespace(found=false) -%}\n{%- for m in messages -%}\n  {%- if m.role == 'system' -%}\n    {%- set ns.found = true -%}\n  {%- endif -%}\n{%- endfor -%}\n{{ ns.found }}", {"messages": MSGS}),
    ("{{ messages[0]['content'][0]['text'] if messages[0]['content'] is not string else messages[0]['content'] }}", {"messages": MSGS}),
    ("{{ (messages | last).content }} {{ messages[-1]['role'] }} {{ (messages | selectattr('role', 'in', ['user', 'system']) | list | length) }}", {"messages": MSGS}),
    ("{{ x.tool_calls | default([]) | length }} {{ x.get('tool_calls') or [] }} {{ 'tools' in x and x['tools'] is not none }}", {"x": {"role": "user"}}),
    ("{%- if true %}\n    {{- 'a' }}\n    {%- if true %}\n        b\n    {%- endif %}\n{%- endif %}\nc", {}),
    ("  {% if true %}\n  x\n  {% endif %}\n  y  {# c #}  z\n{{ 1 }}  {%+ if true %}k{% endif %}", {}),
    ("{{ '{' }}{{ \"}\" }}{{ {'a': {'b': 1}} }}{{ {'x': '}}'} }}", {}),
    ("{{ 5 // 2 * 2 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ not true == false }} {{ 1 if none else 2 if false else 3 }}", {}),
    ("{{ [1, 2, 3] | map('string') | join('-') }} {{ ['x', 'y'] | map('tojson') | join(', ') }} {{ 'abc' | first }} {{ 'abc' | last }}", {}),
    ("{{ 3.0 }} {{ 3.0 | int }} {{ 10 / 4 }} {{ 1 / 3 }} {{ 2 / 1 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 123456789.0 * 1000 }} {{ -0.0 }}", {}),
    ("{% for n in tree recursive %}{{ loop.depth }}{{ n.name }}{% if n.children %}({{ loop(n.children) }}){% endif %}{% endfor %}",
     {"tree": [{"name": "a", "children": [{"name": "b"}, {"name": "c", "children": [{"name": "d"}]}]}, {"name": "e"}]}),
    ("{% for m in messages %}{% if loop.changed(m.role == 'user') %}|{% endif %}{{ m.role[0] }}{% endfor %}",
     {"messages": [{"role": "user"}, {"role": "user"}, {"role": "assistant"}, {"role": "user"}]}),
    ("{{ 'The quick brown fox jumps' | truncate(12) }}|{{ 'The quick brown fox jumps' | truncate(12, true) }}|"
     "{{ 'short' | truncate(12) }}|{{ 'abcdefghijklmnop' | truncate(10, false, '…', 0) }}", {}),
    ("[{{ 'ab' | center(7) }}][{{ 'ab' | center(6) }}][{{ 'abc'.center(6, '*') }}][{{ 'x'.ljust(3, '.') }}][{{ 'x'.rjust(3) }}]", {}),
    ("{% set pipe = joiner(' | ') %}{% for x in ['a', 'b', 'c'] %}{{ pipe() }}{{ x }}{% endfor %}", {}),
    ("{{ m.pop is defined }} {{ m['pop'] }} {{ m.get('pop') }} {{ l.append is defined }} {{ m.items is defined }}",
     {"m": {"pop": 1}, "l": []}),
    ("{{ m.pop() }}", {"m": {"pop": 1}}),
    ("[{{ u|capitalize }}|{{ u|title }}|{{ u|replace('a', 'b') }}|{{ u|sort }}|{{ u|unique|list }}|{{ u|format }}"
     "|{{ u|sum }}|{{ u|reverse|list }}|{{ u|wordcount }}|{{ u|min is defined }}|{{ u|center(3) }}|{{ u|batch(2)|list }}"
     "|{{ u|truncate }}|{{ u|items|list }}|{{ u|map('upper')|list }}|{{ u|selectattr('a')|list }}|{{ u|e }}]", {}),
    ("{{ u|abs }}", {}),
    ("{{ u|int }}", {}),
    ("{{ u|indent }}", {}),
    ("{{ u|tojson }}", {}),
    ("{{ u|dictsort }}", {}),
    # errors (non-raise): only "fails" is checked
    ("{{ undefined_thing.attr }}", {}),
    ("{{ 'a' + 1 }}", {}),
    ("{{ 1 / 0 }}", {}),
    ("{% for %}", {}),
    ("{% if true %}unclosed", {}),
    ("{{ 'unterminated }}", {}),
    ("{% unknowntag %}", {}),
    ("{{ none.attr.deeper }}", {}),
]


TEMPLATES_DIR = "/work/shared/testdata/chat-templates"
TEMPLATES = ["Mistral-Small-3.2-24B-Instruct-2506", "Qwen-Qwen2.5-7B-Instruct", "Qwen-Qwen3-0.6B",
             "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", "meta-llama-Llama-3.1-8B-Instruct",
             "mistralai-Ministral-3-14B-Reasoning-2512", "mistralai-Mistral-Nemo-Instruct-2407",
             "unsloth-mistral-Devstral-Small-2507"]


def msg(role, content, **extra):
    """A message as Kiln's ChatMessage.toTemplateValue() builds it: role, content (always), then set keys."""
    m = {"role": role, "content": content}
    for key in ("tool_calls", "tool_call_id", "name", "reasoning_content"):
        if key in extra:
            m[key] = extra[key]
    return m


CALL = {"id": "aB3dE5fG7", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Zürich"}}}
CONVERSATIONS = [
    ("parts", [msg("user", [{"type": "text", "text": "Look at "}, {"type": "image_url", "image_url": {"url": "u"}},
                            {"type": "text", "text": "this"}])], {}),
    ("system-parts", [msg("system", [{"type": "text", "text": "Sys as parts."}]), msg("user", "Hi")], {}),
    ("block-content-not-text", [msg("user", [{"type": "text", "content": "via content key"}])], {}),
    ("reasoning", [msg("user", "Q1"), msg("assistant", "A1", reasoning_content="thought 1"), msg("user", "Q2"),
                   msg("assistant", "A2", reasoning_content="thought 2")], {}),
    ("think-in-content", [msg("user", "Q1"), msg("assistant", "<think>\nr1\n</think>\n\nA1"), msg("user", "Q2")], {}),
    ("thinking-off", [msg("user", "Hi")], {"enable_thinking": False}),
    ("thinking-on", [msg("user", "Hi")], {"enable_thinking": True}),
    ("system-only", [msg("system", "Only a system prompt.")], {}),
    ("no-messages", [], {}),
    ("user-user", [msg("user", "a"), msg("user", "b")], {}),
    ("unknown-role", [msg("user", "a"), msg("developer", "b")], {}),
    ("assistant-last", [msg("user", "Write"), msg("assistant", "Sure:")], {}),
    ("tool-without-id", [msg("user", "w?"), msg("assistant", "", tool_calls=[CALL]),
                         msg("tool", "{\"t\": 3}", name="get_weather")], {}),
    ("null-content-tool-call", [msg("user", "w?"), msg("assistant", None, tool_calls=[CALL]),
                                msg("tool", "3", tool_call_id="aB3dE5fG7", name="get_weather")], {}),
    ("whitespace", [msg("system", "  padded system  \n"), msg("user", "\n  spaced user \t"),
                    msg("assistant", "  spaced answer  "), msg("user", "end")], {}),
    ("llama-date", [msg("user", "Hi")], {"date_string": "15 Jan 2026", "tools_in_user_message": False,
                                         "custom_tools": [{"type": "function", "function": {"name": "f"}}]}),
]


def chat_cases():
    out = []
    for name in TEMPLATES:
        with open(f"{TEMPLATES_DIR}/{name}.jinja", encoding="utf-8") as f:
            template = env.from_string(f.read())
        for conv_name, messages, extra in CONVERSATIONS:
            for gen in (True, False):
                case = {"template": name + ".jinja", "conversation": conv_name, "messages": messages,
                        "variables": extra, "add_generation_prompt": gen}
                try:
                    case["expected"] = template.render(messages=messages, add_generation_prompt=gen,
                                                       bos_token="<s>", eos_token="</s>", **extra)
                except jinja2.exceptions.TemplateError as e:
                    case["error"] = ("raised: " if type(e) is jinja2.exceptions.TemplateError else "error: ") + str(e)
                except Exception as e:
                    case["error"] = "error: " + type(e).__name__ + ": " + str(e)
                out.append(case)
    return out


def main():
    out = []
    for template, variables in SNIPPETS:
        case = {"template": template, "variables": variables}
        try:
            case["expected"] = env.from_string(template).render(**variables)
        except jinja2.exceptions.TemplateSyntaxError as e:
            case["error"] = "syntax: " + str(e)
        except jinja2.exceptions.TemplateError as e:
            case["error"] = ("raised: " if type(e) is jinja2.exceptions.TemplateError else "error: ") + str(e)
        except Exception as e:  # TypeError, ZeroDivisionError, ...
            case["error"] = "error: " + type(e).__name__ + ": " + str(e)
        out.append(case)
    print(json.dumps({"generator": "generate_conformance.py", "jinja2": jinja2.__version__, "cases": out,
                      "chat_cases": chat_cases()},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
