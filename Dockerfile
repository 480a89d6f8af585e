# vmsnap operator image: `docker build -t ghcr.io/vmsnap/vmsnap:v0.1.0 .`
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build stage.
FROM node:24-slim

# virsh (libvirt driver) and ssh (qemu+ssh:// URIs). No recommends: no daemons, no X11.
RUN apt-get update \
  && apt-get install --yes --no-install-recommends libvirt-clients openssh-client ca-certificates \
  && rm -rf /var/lib/apt/lists/*

# A fixed non-root uid/gid, matching runAsUser/runAsGroup in deploy/deployment.yaml.
RUN groupadd --gid 10001 vmsnap \
  && useradd --uid 10001 --gid 10001 --home-dir /home/vmsnap --create-home --shell /usr/sbin/nologin vmsnap

WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, exactly as locked; no install scripts run.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY src ./src

ENV NODE_ENV=production HOME=/home/vmsnap
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "bin/vmsnap.ts", "operator"]
