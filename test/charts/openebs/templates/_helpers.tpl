{{- define "openebs.skipAwait" -}}
pulumi.com/skipAwait: "true"
{{- end -}}
