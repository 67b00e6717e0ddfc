// `npm run ops -- <verb> <app>`: day-2 operations on a stack's protected apps.
import { Command, InvalidArgumentError } from "commander";
import { kubeConfigFor } from "../components/clusterLookup";
import { ClusterOps } from "./cluster";
import { Restic } from "./restic";
import { restoreSideBySide, veleroRestore, verifyCopy } from "./restoreVerbs";
import { projectDirectory, stackSettings } from "./stackFile";
import { StackOps } from "./stackOps";
import { recoverStack } from "./recover";
import { statusReport } from "./status";
import { backupNow, extractBackup, findApp, listBackups, OpsContext, restoreApp, unlockRepository, verifyBackups } from "./verbs";

const count = (value: string) => {
    if (!/^\d+$/.test(value)) {
        throw new InvalidArgumentError("expected a whole number (0 = latest)");
    }
    return Number(value);
};

function context(program: Command): OpsContext {
    const { stack: stackName, timeout, project } = program.opts<{ stack: string; timeout: number; project: string }>();
    const settings = stackSettings(stackName, project);
    let stack: Promise<StackOps> | undefined;
    const selectStack = () => (stack ??= StackOps.select(stackName, project));
    return {
        settings,
        timeoutSeconds: timeout,
        progress: (message) => console.error(message),
        stack: selectStack,
        cluster: () => new ClusterOps(kubeConfigFor(settings.kubernetes)),
        restic: async (app) => new Restic(await (await selectStack()).resticAccess(settings, app.name)),
    };
}

export function opsProgram(): Command {
    const program = new Command("ops")
        .description("Day-2 operations on the protected apps of one stack")
        .option("-s, --stack <name>", "Pulumi stack", process.env.PULUMI_STACK ?? "apps")
        .option("--timeout <seconds>", "how long to wait for VolSync", count, 3600)
        .option("--project <dir>", "the Pulumi project directory (holds Pulumi.<stack>.yaml)", projectDirectory)
        .showHelpAfterError();
    const run = (action: (ctx: OpsContext) => Promise<string | string[] | void>) => async () => {
        const output = await action(context(program));
        for (const line of [output ?? []].flat()) {
            console.log(line);
        }
    };

    program.command("backup").description("back up now (one app, several, or --all), then return to the schedule")
        .argument("[apps...]").option("--all", "every protected app")
        .action((names: string[], options: { all?: boolean }) => run(async (ctx) => {
            if (!options.all && names.length === 0) {
                throw new Error("name an app or pass --all");
            }
            await backupNow(ctx, options.all ? ctx.settings.apps : names.map((name) => findApp(ctx.settings, name)));
        })());
    program.command("list").description("list an app's backups, newest first").argument("<app>")
        .action((name: string) => run(async (ctx) => listBackups(ctx, findApp(ctx.settings, name)))());
    program.command("restore").description("restore an app in the cluster: scale down, restore, scale up").argument("<app>")
        .option("--previous <n>", "how many backups back (0 = latest)", count, 0)
        .option("--no-scale", "do not scale the workload (only if nothing writes to the volume)")
        .action((name: string, options: { previous: number; scale: boolean }) =>
            run(async (ctx) => restoreApp(ctx, findApp(ctx.settings, name), options.previous, { scale: options.scale }))());
    program.command("extract").description("restore an app's backup into a local directory (no cluster needed)").argument("<app>")
        .requiredOption("--target <dir>", "an empty or new directory").option("--previous <n>", "how many backups back", count, 0)
        .action((name: string, options: { target: string; previous: number }) =>
            run(async (ctx) => extractBackup(ctx, findApp(ctx.settings, name), options.previous, options.target))());
    program.command("verify").description("restic check plus a checksummed test restore of a sample, or (--against) a restored copy compared with its backup").argument("<app>")
        .option("--sample <files>", "how many files to test-restore", count, 20)
        .option("--against <dir>", "compare every file of the backup with this restored copy (e.g. the side-by-side PVC, mounted)")
        .option("--previous <n>", "with --against: which backup the copy came from", count, 0)
        .action((name: string, options: { sample: number; against?: string; previous: number }) => run(async (ctx) => (options.against
            ? verifyCopy(ctx, findApp(ctx.settings, name), options.against, options.previous)
            : verifyBackups(ctx, findApp(ctx.settings, name), options.sample)))());
    program.command("restore-side").description("restore a backup into a new PVC next to the live one; prints the PVC's name").argument("<app>")
        .option("--previous <n>", "how many backups back (0 = latest)", count, 0)
        .action((name: string, options: { previous: number }) => run(async (ctx) => restoreSideBySide(ctx, findApp(ctx.settings, name), options.previous))());
    program.command("velero-restore").description("restore a namespace from the schedule's newest completed Velero backup (or --backup)").argument("<namespace>")
        .option("--backup <name>", "a named Velero backup instead")
        .option("--into <namespace>", "restore into another namespace (side by side) instead of the original")
        .action((namespace: string, options: { backup?: string; into?: string }) => run(async (ctx) => veleroRestore(ctx, namespace, options))());
    program.command("status").description("every protected app's backups in one table; exits 1 if any is overdue or failing")
        .option("--json", "JSON instead of the table")
        .action((options: { json?: boolean }) => run(async (ctx) => {
            const report = await statusReport(ctx, options.json === true);
            process.exitCode = report.ok ? 0 : 1;
            return report.output;
        })());
    program.command("recover").description("after an interrupted pulumi up or destroy, or a lost state: remove the stack's lock if its holder is gone, clear pending operations, run it again")
        .option("--destroy", "finish an interrupted destroy instead of running up")
        .option("--force-unlock", "remove a lock taken on another host or kept by a backend whose locks cannot be read here")
        .option("--overwrite-outside-changes", "also set back fields that were changed outside the stack (they are named)")
        .action(async (options: { destroy?: boolean; forceUnlock?: boolean; overwriteOutsideChanges?: boolean }) => {
            const { stack, project } = program.opts<{ stack: string; project: string }>();
            await recoverStack(stack, project, options, (line) => console.error(`recover: ${line}`));
        });
    program.command("unlock").description("remove stale restic locks left by a killed backup").argument("<app>")
        .action((name: string) => run(async (ctx) => unlockRepository(ctx, findApp(ctx.settings, name)))());
    return program;
}

if (require.main === module) {
    opsProgram().parseAsync(process.argv).catch((error: Error) => {
        console.error(`error: ${error.message}`);
        process.exit(1);
    });
}
