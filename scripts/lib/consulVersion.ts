// Moved to ./images/pinnedVersions.ts. Kept only until test/harness (H5's) imports the new path; then delete this file.
export * from './images/pinnedVersions';
