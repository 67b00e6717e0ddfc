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

/**
 * The items titled `titles` in `vaultName`, by title. A preview that cannot ask the vault only warns (it
 * shows the items as created); an update fails, since creating a second item would split the credentials.
 */
export async function existingItems(provider: onepassword.Provider, vaultName: string, titles: string[],
    preview: boolean): Promise<Map<string, ExistingItem>> {
    const opts = { provider };
    try {
        const vault = await onepassword.getVault({ name: vaultName }, opts);
        const found = await Promise.all(titles.map(async (title) => [title, await lookupItem(vault.uuid, title, opts)] as const));
        return new Map(found.filter((entry): entry is [string, ExistingItem] => entry[1] !== undefined));
    } catch (error) {
        const message = `Could not look up the 1Password items ${titles.map((title) => `"${title}"`).join(", ")} in vault "${vaultName}": ${(error as Error).message}`;
        if (!preview || severalItems.test(message)) {
            throw new Error(message);
        }
        pulumi.log.warn(`${message}; the preview assumes they do not exist`);
        return new Map();
    }
}
