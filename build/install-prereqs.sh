#!/usr/bin/env bash
# System packages pgEntra's build and tests need on Debian/Ubuntu (run as root or with sudo).
#   libsecret-1-dev    keytar compiles against it (the OS keychain on Linux)
#   gnome-keyring dbus a real Secret Service for keychain tests (test/support/with-keyring.sh)
#   chromium           UI end-to-end tests drive Debian's Chromium with Playwright
#   postgresql-client  psql and pgbench for interoperability tests
#   python3-psycopg, libpostgresql-jdbc-java, default-jdk-headless
#                      psycopg 3 and pgjdbc through the proxy (test/integration/proxy/drivers.test.ts;
#                      the JDK runs a single-file Java program against /usr/share/java/postgresql.jar)
#   nsis               makensis compiles the Windows installer's PATH include (build/installer.nsh)
#                      with -WX, as electron-builder does (test/unit/installer/installerNsh.test.ts)
set -euo pipefail
packages=(libsecret-1-dev gnome-keyring dbus dbus-x11 chromium postgresql-client-15 build-essential python3 procps python3-psycopg libpostgresql-jdbc-java default-jdk-headless nsis)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-prereqs: all present"; exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-prereqs: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
