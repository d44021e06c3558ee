import { describe, expect, it } from 'vitest';
import { Slots } from '../../src/engine/slots.js';

describe('slots and reservations', () => {
  it('reserves what is free, and a using scope returns what was not taken out', () => {
    const slots = new Slots(3);
    let task;
    {
      using reserved = slots.reserve(5);
      expect(reserved.count).toBe(3);
      expect(slots.available).toBe(0);
      task = reserved.take();
      expect(task.count).toBe(1);
      expect(reserved.count).toBe(2);
    }
    expect(slots.available).toBe(2);
    task.release();
    task.release();
    expect(slots.available).toBe(3);
  });

  it('returns a reservation on a throw out of its scope', () => {
    const slots = new Slots(2);
    expect(() => {
      using _reserved = slots.reserve(2);
      throw new Error('write failed');
    }).toThrow('write failed');
    expect(slots.available).toBe(2);
  });

  it('hands a returned slot to a waiting acquirer before it is free to reserve', async () => {
    const slots = new Slots(1);
    const held = slots.reserve(1);
    const waiting = slots.acquire();
    held.release();
    expect(slots.reserve(1).count).toBe(0);
    const slot = await waiting;
    expect(slot.count).toBe(1);
    slot.release();
    expect(slots.available).toBe(1);
  });

  it('takes no more than it holds', () => {
    const slots = new Slots(2);
    const reserved = slots.reserve(1);
    expect(reserved.take(3).count).toBe(1);
    expect(reserved.take().count).toBe(0);
  });
});
