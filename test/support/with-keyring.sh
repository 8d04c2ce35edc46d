#!/usr/bin/env bash
# Runs a command with a real OS keychain: a private D-Bus session bus and an unlocked
# gnome-keyring Secret Service on it (what keytar/libsecret talk to on Linux desktops).
# The keyring lives in a throwaway XDG_DATA_HOME, so tests never touch the user's keyring.
#   test/support/with-keyring.sh npm run test:integration
set -euo pipefail
if [ "${PGENTRA_KEYRING_READY:-}" = "1" ]; then exec "$@"; fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring: '$tool' is missing. Run: sudo build/install-prereqs.sh" >&2
    exit 69
  fi
done
keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/pgentra-keyring.XXXXXX")
trap 'rm -rf "$keyring_home"' EXIT
export XDG_DATA_HOME="$keyring_home" PGENTRA_KEYRING_READY=1
# gnome-keyring reads the unlock password from stdin; the login keyring is created with this throwaway password and left unlocked.
dbus-run-session -- bash -c 'eval "$(printf "pgentra-test" | gnome-keyring-daemon --unlock --components=secrets)"; export GNOME_KEYRING_CONTROL; exec "$@"' _ "$@"
