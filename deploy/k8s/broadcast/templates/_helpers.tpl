{{/* Names and labels, as well-kept charts give them. */}}
{{- define "broadcast.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{ else }}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" }}{{ end }}
{{- end }}

{{- define "broadcast.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "broadcast.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "broadcast.secretName" -}}
{{- default (printf "%s-secrets" (include "broadcast.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "broadcast.natsUrl" -}}
{{- if .Values.nats.bundled }}{{ printf "nats://%s:4222" (include "broadcast.host" (dict "root" . "component" "nats")) }}{{ else }}{{ required "nats.url is required when nats.bundled is false" .Values.nats.url }}{{ end }}
{{- end }}

{{- define "broadcast.redisHost" -}}
{{- if .Values.redis.bundled }}{{ printf "%s:6379" (include "broadcast.host" (dict "root" . "component" "redis")) }}{{ else }}{{ required "redis.url is required when redis.bundled is false" .Values.redis.url }}{{ end }}
{{- end }}

{{- define "broadcast.host" -}}
{{- if .root.Values.hostNetwork }}127.0.0.1{{ else }}{{ printf "%s-%s" (include "broadcast.fullname" .root) .component }}{{ end }}
{{- end }}

{{/* Environment every service gets: NATS, OpenTelemetry, the pod's identity from the downward API. */}}
{{- define "broadcast.commonEnv" -}}
- name: Nats__Url
  value: {{ include "broadcast.natsUrl" . | quote }}
- name: K8S_POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
{{- if .Values.downwardApi }}
- name: K8S_NAMESPACE_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
- name: K8S_NODE_NAME
  valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
{{- end }}
{{- with .Values.otel }}
{{- if .endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ .protocol | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ .tracesSampler | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .tracesSamplerArg | quote }}
{{- end }}
- name: Telemetry__Prometheus
  value: {{ .prometheus | quote }}
{{- end }}
{{- end }}

{{- define "broadcast.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile: {type: RuntimeDefault}
{{- end }}

{{- define "broadcast.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities: {drop: [ALL]}
{{- end }}

{{/* The three probes on the service's HTTP port (issue #14's meanings); by number, which also works on the host network. */}}
{{- define "broadcast.probes" -}}
startupProbe:
  httpGet: {path: /healthz/startup, port: {{ .port }}}
  periodSeconds: 2
  failureThreshold: 30
readinessProbe:
  httpGet: {path: /healthz/ready, port: {{ .port }}}
  periodSeconds: 5
  failureThreshold: 2
livenessProbe:
  httpGet: {path: /healthz/live, port: {{ .port }}}
  periodSeconds: 10
  failureThreshold: 3
{{- end }}

{{/* One service's Deployment: root, component, values (replicas, resources, extraEnv), port, env (YAML list). */}}
{{- define "broadcast.deployment" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "broadcast.fullname" $root }}-{{ .component }}
  labels:
    {{- include "broadcast.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ .values.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "broadcast.selector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "broadcast.selector" . | nindent 8 }}
      annotations:
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
    spec:
      hostNetwork: {{ $root.Values.hostNetwork }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ .grace | default 30 }}
      securityContext:
        {{- include "broadcast.podSecurityContext" $root | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- with .spread }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: "{{ $root.Values.image.repository }}/broadcast-{{ .component }}:{{ $root.Values.image.tag | default $root.Chart.AppVersion }}"
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- if not $root.Values.hostNetwork }}
          ports:
            - name: http
              containerPort: {{ .port }}
          {{- end }}
          env:
            - name: ASPNETCORE_URLS
              value: "http://0.0.0.0:{{ .port }}"
            {{- include "broadcast.commonEnv" $root | nindent 12 }}
            {{- .env | nindent 12 }}
            {{- with .values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- include "broadcast.probes" . | nindent 10 }}
          {{- with .lifecycle }}
          lifecycle:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- include "broadcast.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
      volumes:
        - {name: tmp, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
{{- end }}

{{/* An environment variable from the chart's Secret (a ConfigMap of the same data only for podman kube play, which cannot read Secrets). */}}
{{- define "broadcast.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    {{- if .root.Values.secrets.testRunnerConfigMap }}
    configMapKeyRef:
    {{- else }}
    secretKeyRef:
    {{- end }}
      name: {{ include "broadcast.secretName" .root }}
      key: {{ .key }}
{{- end }}
