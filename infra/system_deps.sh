#!/usr/bin/env bash
# The Debian packages the browser and document tests need: installed here when missing (as root, with
# apt-get), otherwise the exact command is printed and the test run stops before it starts.
set -euo pipefail

# command -> package that provides it
declare -A needed=(
  [chromium]=chromium
  [oathtool]=oathtool
  [zbarimg]=zbar-tools
  [pdftotext]=poppler-utils
  [pdftoppm]=poppler-utils
  [npm]=npm
)
missing=""
for command in "${!needed[@]}"; do
  if ! command -v "$command" >/dev/null 2>&1; then
    case " $missing " in *" ${needed[$command]} "*) ;; *) missing="$missing ${needed[$command]}" ;; esac
  fi
done
missing="${missing# }"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need Debian packages that are missing. Install them, then run make test again:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y $missing" >&2
  exit 1
fi
echo "installing Debian packages: $missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
