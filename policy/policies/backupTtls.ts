import { PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { parseGoDuration } from "../lib/duration";
import {
    describeResource, found, HELM_TYPES, helmValues, JOB_SPEC_PATHS, REPLICATION_SOURCE, VELERO_BACKUP,
    VELERO_SCHEDULE, veleroValuesSchedules,
} from "../lib/k8s";
import { at, entries, formatPath, Path, show, UNKNOWN } from "../lib/props";

export interface BackupTtlsConfig {
    minBackupTtl: string;
    maxBackupTtl: string;
    maxPruneIntervalDays: number;
    maxJobTtlSecondsAfterFinished: number;
}

const configSchema: PolicyConfigSchema = {
    properties: {
        minBackupTtl: {
            type: "string", default: "24h",
            description: "Shortest TTL (Go duration) a Velero Backup or Schedule may keep backups for.",
        },
        maxBackupTtl: {
            type: "string", default: "720h",
            description: "Longest TTL (Go duration) a Velero Backup or Schedule may keep backups for.",
        },
        maxPruneIntervalDays: {
            type: "integer", default: 30, minimum: 1,
            description: "Largest spec.restic.pruneIntervalDays of a VolSync ReplicationSource.",
        },
        maxJobTtlSecondsAfterFinished: {
            type: "integer", default: 604800, minimum: 0,
            description: "Largest ttlSecondsAfterFinished of a Job the stack creates.",
        },
    },
};

function checkBackupTtl(where: string, ttl: unknown, path: Path, cfg: BackupTtlsConfig, report: ReportViolation): void {
    const field = formatPath(path);
    const bounds = `[${cfg.minBackupTtl}, ${cfg.maxBackupTtl}]`;
    if (ttl === UNKNOWN) {
        report(`${where}: ${field} is unknown at preview, so the backup TTL can't be checked. Set it to a literal Go duration such as "720h0m0s".`);
        return;
    }
    const seconds = typeof ttl === "string" ? parseGoDuration(ttl) : undefined;
    if (seconds === undefined) {
        report(`${where}: ${field} must be a Go duration within ${bounds}, ${found(ttl)}. ` +
            `Set ${field} explicitly (e.g. "168h0m0s"); without it Velero keeps backups for its server default.`);
        return;
    }
    const min = parseGoDuration(cfg.minBackupTtl);
    const max = parseGoDuration(cfg.maxBackupTtl);
    if (min === undefined || max === undefined) {
        throw new Error(`backup-ttls: policy config minBackupTtl/maxBackupTtl must be Go durations, got ${cfg.minBackupTtl}/${cfg.maxBackupTtl}`);
    }
    if (seconds < min || seconds > max) {
        report(`${where}: ${field} is ${show(ttl)}, outside the allowed range ${bounds}. ` +
            `Set ${field} within the range (policy config minBackupTtl/maxBackupTtl).`);
    }
}

function checkResticRetention(where: string, props: unknown, cfg: BackupTtlsConfig, report: ReportViolation): void {
    const restic = at(props, "spec", "restic");
    if (restic === undefined) {
        return;
    }
    const retain = at(restic, "retain");
    const retainRules = entries(retain).filter(([, v]) => v !== undefined && v !== null);
    if (retain === UNKNOWN || retainRules.some(([, v]) => v === UNKNOWN)) {
        report(`${where}: spec.restic.retain is unknown at preview, so the retention policy can't be checked. Set literal retain counts.`);
    } else if (retainRules.length === 0) {
        report(`${where}: spec.restic.retain must set a retention policy, ${found(retain)}. ` +
            `Set spec.restic.retain (e.g. { daily: 7, weekly: 4 }) so restic forgets old snapshots.`);
    }
    const prune = at(restic, "pruneIntervalDays");
    if (prune === UNKNOWN) {
        report(`${where}: spec.restic.pruneIntervalDays is unknown at preview, so the prune interval can't be checked. Set it to a literal number of days.`);
    } else if (typeof prune !== "number" || !Number.isInteger(prune) || prune < 1 || prune > cfg.maxPruneIntervalDays) {
        report(`${where}: spec.restic.pruneIntervalDays must be a whole number of days in [1, ${cfg.maxPruneIntervalDays}], ${found(prune)}. ` +
            `Set spec.restic.pruneIntervalDays (policy config maxPruneIntervalDays).`);
    }
}

function checkJobTtl(where: string, jobSpecPath: Path, props: unknown, cfg: BackupTtlsConfig, report: ReportViolation): void {
    const path = [...jobSpecPath, "ttlSecondsAfterFinished"];
    const field = formatPath(path);
    const ttl = at(props, ...path);
    if (ttl === UNKNOWN) {
        report(`${where}: ${field} is unknown at preview, so the Job's clean-up can't be checked. Set it to a literal number of seconds.`);
    } else if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0 || ttl > cfg.maxJobTtlSecondsAfterFinished) {
        report(`${where}: ${field} must be a whole number of seconds in [0, ${cfg.maxJobTtlSecondsAfterFinished}], ${found(ttl)}. ` +
            `Set ${field} so finished Jobs and their pods are cleaned up (policy config maxJobTtlSecondsAfterFinished).`);
    }
}

function validate(args: ResourceValidationArgs, report: ReportViolation): void {
    const cfg = configWithDefaults<BackupTtlsConfig>(configSchema, args.getConfig());
    const subject = describeResource(args);
    switch (args.type) {
        case VELERO_SCHEDULE:
            return checkBackupTtl(subject, at(args.props, "spec", "template", "ttl"), ["spec", "template", "ttl"], cfg, report);
        case VELERO_BACKUP:
            return checkBackupTtl(subject, at(args.props, "spec", "ttl"), ["spec", "ttl"], cfg, report);
        case REPLICATION_SOURCE:
            return checkResticRetention(subject, args.props, cfg, report);
    }
    if (JOB_SPEC_PATHS[args.type]) {
        return checkJobTtl(subject, JOB_SPEC_PATHS[args.type], args.props, cfg, report);
    }
    if (HELM_TYPES.includes(args.type)) {
        for (const s of veleroValuesSchedules(helmValues(args.props))) {
            const ttlPath = [...s.path, "template", "ttl"];
            checkBackupTtl(`${subject}, Helm schedule "${s.name}"`, at(args.props, ...ttlPath), ttlPath, cfg, report);
        }
        return;
    }
    args.notApplicable(`backup-ttls does not check ${args.type}`);
}

export const backupTtls: ResourceValidationPolicy = {
    name: "backup-ttls",
    description: "Velero backups and schedules carry a TTL within bounds, VolSync restic sources retain and prune, and Jobs expire after finishing.",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: validate,
};
