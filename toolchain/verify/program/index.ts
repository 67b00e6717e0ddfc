import * as random from "@pulumi/random";

// A provider resource (not a dynamic one), so `up` proves the provider plugin is found and driven.
const pw = new random.RandomPassword("smoke", { length: 24, special: false });
const pet = new random.RandomPet("smoke", { length: 2 });

export const passwordLength = pw.result.apply((r) => r.length);
export const petName = pet.id;
