import { describe, expect, it } from 'vitest';
import { parseReference } from '../../src/sources/reference.js';
import { parseRegistryName } from '../../src/sources/registry.js';
import { choosePlatform, parsePlatform } from '../../src/sources/platform.js';

describe('image references', () => {
  it.each([
    ['python:3.11', { transport: 'docker-daemon', name: 'python:3.11' }],
    ['docker-daemon:app@sha256:abc', { transport: 'docker-daemon', name: 'app@sha256:abc' }],
    ['docker-archive:/tmp/x.tar', { transport: 'docker-archive', path: '/tmp/x.tar' }],
    ['docker-archive:/tmp/x.tar:app:1', { transport: 'docker-archive', path: '/tmp/x.tar:app', name: '1' }],
    ['oci:/tmp/layout', { transport: 'oci', path: '/tmp/layout' }],
    ['docker://127.0.0.1:5000/app:pr', { transport: 'docker', name: '127.0.0.1:5000/app:pr' }],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['docker:app', /expected docker:\/\/HOST/],
    ['containers-storage:x', /unsupported transport 'containers-storage'/],
    ['s3://bucket/x', /unknown transport/],
    ['bad name!', /not an image name/],
  ])('rejects %j', (text, message) => {
    expect(() => parseReference(text)).toThrow(message);
  });

  it('parses registry names with Docker Hub defaults', () => {
    expect(parseRegistryName('127.0.0.1:5000/a/b:t')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'a/b',
      reference: 't',
    });
    expect(parseRegistryName('python')).toEqual({
      registry: 'registry-1.docker.io',
      repository: 'library/python',
      reference: 'latest',
    });
    expect(parseRegistryName('localhost:5000/x@sha256:00')).toEqual({
      registry: 'localhost:5000',
      repository: 'x',
      reference: 'sha256:00',
    });
  });

  it('parses and chooses platforms', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(() => parsePlatform('amd64')).toThrow(/Invalid platform 'amd64'/);
    const c = [
      { platform: parsePlatform('linux/arm/v7'), value: 1 },
      { platform: parsePlatform('linux/s390x'), value: 2 },
    ];
    expect(choosePlatform(c, parsePlatform('linux/s390x'), 'x').value).toBe(2);
    expect(() => choosePlatform(c, undefined, 'x')).toThrow(/several platforms \(linux\/arm\/v7, linux\/s390x\)/);
    expect(() => choosePlatform(c, parsePlatform('linux/arm/v6'), 'x')).toThrow(/no image for platform linux\/arm\/v6/);
  });
});
