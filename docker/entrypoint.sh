#!/bin/sh
# Seeds an empty data volume with the annotated default config, then runs soltrader-tui with
# the container's arguments (`supervise`, `watch`, `status`, `journal`, ...).
set -eu
if [ ! -e /data/config.yaml ]; then
    cp /opt/soltrader-tui/config.default.yaml /data/config.yaml
fi
exec soltrader-tui "$@"
