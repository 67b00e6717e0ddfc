// Which of the stack's 1Password items already exist in the vault. An item outlives `pulumi destroy` (it
// holds the only copy of a repository's restic password), and an operator may have made one by hand before
// the stack existed; either way the next `pulumi up` adopts it, keeping its restic password, instead of
// creating a second item with the same title. The lookup goes through the stack's own onepassword provider
// (`getItem`), so Connect and service-account credentials both work.
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { credentialFields } from "./bucketCredentials";

/** An item found in the vault, as much of it as the stack needs to adopt it. */
export interface ExistingItem {
    /** The provider's resource ID, for the `import` option. */
    importId: string;
    /** Secret. Undefined when the item has no RESTIC_PASSWORD field yet. */
    resticPassword?: pulumi.Output<string>;
}

/** The provider's ID of an item resource (`vaults/<vault>/items/<item>`). */
export const itemResourceId = (vault: string, item: string) => `vaults/${vault}/items/${item}`;

// The provider fails `getItem` when no item or several carry the title. Connect says "Found 0 item(s) in
// vault … with title …" (connect-sdk-go), the `op` CLI behind a service account says "… isn't an item …".
const noItem = /Found 0 item\(s\)|isn't an item/;
const severalItems = /Found ([2-9]|\d\d+) item\(s\)|More than one item matches/;

/** A section field's value by label, in any section (hand-made items put fields wherever they like). */
export function fieldValue(item: Pick<onepassword.GetItemResult, "sections">, label: string): string | undefined {
    return (item.sections ?? []).flatMap((section) => section.fields ?? []).find((field) => field.label === label)?.value;
}

async function lookupItem(vault: string, title: string, opts: pulumi.InvokeOptions): Promise<ExistingItem | undefined> {
    let item: onepassword.GetItemResult;
    try {
        item = await onepassword.getItem({ vault, title }, opts);
    } catch (error) {
        const message = (error as Error).message;
        if (noItem.test(message)) {
            return undefined;
        }
        if (severalItems.test(message)) {
            throw new Error(`1Password vault holds more than one item titled "${title}"; the ExternalSecrets read items by title, so archive all but the one whose RESTIC_PASSWORD opens the repositories, then run again (${message})`);
        }
        throw error;
    }
    const resticPassword = fieldValue(item, credentialFields.resticPassword);
    return {
        importId: itemResourceId(vault, item.uuid),
        resticPassword: resticPassword === undefined ? undefined : pulumi.secret(resticPassword),
    };
}

/** The vault the stack's items live in, as the config names it and as the provider reaches it. */
export interface VaultSettings {
    vault: string;
    /** Connect's URL; unset: the service-account token says where to go. */
    connectUrl?: string;
}

/**
 * Where the provider reaches the vault, for messages: Connect's URL, or the sign-in address inside a service
 * account token (`ops_` + base64 JSON; only that field is read, the token itself is never shown).
 */
export function vaultEndpoint(settings: VaultSettings, token: string): string {
    if (settings.connectUrl) {
        return `1Password Connect at ${settings.connectUrl}`;
    }
    let address: unknown;
    try {
        address = JSON.parse(Buffer.from(token.replace(/^ops_/, ""), "base64").toString("utf8")).signInAddress;
    } catch {
        address = undefined;
    }
    return typeof address === "string" && /^[\w.-]+(:\d+)?$/.test(address)
        ? `1Password at ${address} (service account)`
        : "1Password's service (service account; its token names no readable sign-in address)";
}

const plain = (secret: pulumi.Output<string>) => new Promise<string>((resolve) => secret.apply(resolve));

/** What the vault holds for the stack. */
export interface VaultContents {
    /** The vault's UUID, which items are created in; unknown when a preview could not reach the vault. */
    vaultUuid: pulumi.Input<string>;
    /** The items found, by title. */
    items: Map<string, ExistingItem>;
}

/**
 * The vault and the items titled `titles` in it. A preview that cannot ask the vault only warns (it shows
 * the items as created, in a vault it cannot name). An update fails before any item is registered: carrying
 * on with no items would create a second item beside each existing one (and, for a rebuilt stack, a restic
 * password that opens no backup). Whether this is a preview is read here, not passed in, so no caller can
 * turn an update into one. This is the program's only call to the vault before registration.
 */
export async function existingItems(provider: onepassword.Provider, settings: VaultSettings, token: pulumi.Output<string>,
    titles: string[]): Promise<VaultContents> {
    const opts = { provider };
    try {
        const vault = await onepassword.getVault({ name: settings.vault }, opts);
        const found = await Promise.all(titles.map(async (title) => [title, await lookupItem(vault.uuid, title, opts)] as const));
        return { vaultUuid: vault.uuid, items: new Map(found.filter((entry): entry is [string, ExistingItem] => entry[1] !== undefined)) };
    } catch (error) {
        const cause = (error as Error).message;
        const where = `vault "${settings.vault}" through ${vaultEndpoint(settings, await plain(token))}`;
        const items = titles.map((title) => `"${title}"`).join(", ");
        if (severalItems.test(cause)) {
            throw new pulumi.RunError(`Could not look up the 1Password items ${items} in ${where}: ${cause}`);
        }
        if (!pulumi.runtime.isDryRun()) {
            throw new pulumi.RunError(`1Password item lookup failed (nothing was changed): could not look up the items ${items} in ${where}: ${cause}. `
                + "An update must know which items exist, or it would create a second one beside each. "
                + "Run `pulumi up` again once the vault answers.");
        }
        pulumi.log.warn(`Could not look up the 1Password items ${items} in ${where}: ${cause}; the preview assumes they do not exist`);
        return { vaultUuid: pulumi.output(pulumi.unknown as unknown as string), items: new Map() };
    }
}
