#!/usr/bin/env bash
# Installs Debian's headless Chromium and its WebDriver (packages chromium, chromium-driver) when they are missing:
# the chat page's browser test (server module, ChatPageBrowserTest) drives them. Never fails the build: where they
# cannot be installed (not root, no apt-get, no network) it says why and the test skips with its reason.
set -u
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: chromium/chromedriver are missing and cannot be installed here (apt-get as root needed);" \
       "the browser test will skip" >&2
  exit 0
fi
echo "ensure-chromium: installing chromium and chromium-driver with apt-get..." >&2
log="$(mktemp)"
export DEBIAN_FRONTEND=noninteractive
if timeout 900 apt-get update -qq >"$log" 2>&1 &&
   timeout 900 apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >>"$log" 2>&1; then
  echo "ensure-chromium: $(chromium --version 2>/dev/null | tail -n 1)" >&2
else
  echo "ensure-chromium: apt-get failed; the browser test will skip. Last lines:" >&2
  tail -n 5 "$log" >&2
fi
rm -f "$log"
exit 0
