// Loaded before every integration test file (jest.config.js): processes the tests start inherit this env, and
// workshop-api's default avatar source is the public GitHub API. Tests talk only to 127.0.0.1 and what they made,
// so avatars are generated unless a test asks for GitHub itself (with a stand-in API on loopback).
process.env.WORKSHOP_AVATARS = 'generated';
