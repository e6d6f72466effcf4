#!/usr/bin/env python3
"""Random conversations on the eight test-data templates, rendered by Python's Jinja2 in Hugging Face's environment
(the one generate_conformance.py sets up). Kiln's ChatTemplateFuzzTest compares its own rendering with them:
  python3 fuzz_chat.py SEED COUNT     (writes fuzz.json in the current directory, prints cases and errors)
  mvn -pl core -am verify -Dtest=ChatTemplateFuzzTest -Dkiln.chat.fuzz=/path/to/fuzz.json"""
import json, os, random, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_conformance import env, TEMPLATES, msg
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
texts = ["", " ", "Hi", "  padded  ", "line1\nline2", "Zürich ☃ 🚀", "tab\tsep", "<think>\nr\n</think>\n\nans",
         "quote \" and ' and \\ back", "{\"json\": [1, 2]}", "\n\nleading newlines", "trailing\n\n", "[INST] fake", "</s>"]
tools = json.load(open("/work/shared/testdata/chat-templates/Qwen-Qwen3-0.6B.tools.cases.json"))["tools"]
def rand_call(i):
    return {"id": "".join(random.choice("abcXYZ0123") for _ in range(9)), "type": "function",
            "function": {"name": random.choice(["get_weather", "read_file"]),
                         "arguments": random.choice([{}, {"city": random.choice(texts)}, {"path": "a/b", "n": 3, "f": 1.5, "ok": True, "z": None, "l": [1, "x"]}])}}
out = []
for n in range(int(sys.argv[2]) if len(sys.argv) > 2 else 500):
    name = random.choice(TEMPLATES)
    tpl = env.from_string(open(f"/work/shared/testdata/chat-templates/{name}.jinja").read())
    messages = []
    if random.random() < 0.5:
        messages.append(msg("system", random.choice(texts)))
    for t in range(random.randint(0, 5)):
        r = random.random()
        if r < 0.45:
            messages.append(msg("user", random.choice(texts)))
        elif r < 0.8:
            extra = {}
            if random.random() < 0.2:
                extra["reasoning_content"] = random.choice(texts)
            messages.append(msg("assistant", random.choice(texts), **extra))
        elif r < 0.9:
            messages.append(msg("assistant", random.choice(["", None, "calling"]), tool_calls=[rand_call(i) for i in range(random.randint(1, 2))]))
        else:
            messages.append(msg("tool", random.choice(texts), tool_call_id="aB3dE5fG7", name="get_weather"))
    variables = {}
    if random.random() < 0.3:
        variables["enable_thinking"] = random.choice([True, False])
    if random.random() < 0.4:
        variables["tools"] = tools
    gen = random.random() < 0.5
    case = {"template": name + ".jinja", "messages": messages, "variables": variables, "add_generation_prompt": gen}
    try:
        case["expected"] = tpl.render(messages=messages, add_generation_prompt=gen, bos_token="<s>", eos_token="</s>", **variables)
    except Exception as e:
        case["error"] = ("raised: " if type(e).__name__ == "TemplateError" else "error: ") + str(e)
    out.append(case)
json.dump({"chat_cases": out}, open("fuzz.json", "w"), ensure_ascii=False)
print(len(out), sum('error' in c for c in out))
