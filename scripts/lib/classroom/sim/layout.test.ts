import { GITHUB_LOGIN } from '../../../../services/workshop-api/names';
import {
  GITHUB_ADDRESS,
  INSTRUCTOR_ADDRESS,
  LAN_PREFIX,
  MAX_STUDENTS,
  ROOM_MACHINE,
  ROOM_MACHINE_ADDRESS,
  machineVolume,
  studentSlot,
  studentSlots,
} from './layout';

describe('simulated classroom layout', () => {
  test('students get distinct GitHub-valid names, containers and LAN addresses, apart from the instructor and GitHub', () => {
    const slots = studentSlots(MAX_STUDENTS);
    expect(new Set(slots.map((s) => s.name)).size).toBe(MAX_STUDENTS);
    expect(new Set(slots.map((s) => s.address)).size).toBe(MAX_STUDENTS);
    for (const s of slots) {
      expect(GITHUB_LOGIN.test(s.name)).toBe(true);
      expect(s.address.startsWith(`${LAN_PREFIX}.`)).toBe(true);
      expect(Number(s.address.split('.')[3])).toBeLessThan(255);
      expect([INSTRUCTOR_ADDRESS, GITHUB_ADDRESS]).not.toContain(s.address);
    }
  });

  test('the first two are alice and bob, with the node and service IDs lab:join registers', () => {
    expect(studentSlot(1)).toEqual({
      index: 1,
      name: 'alice',
      fidelity: 'full',
      container: 'classroom-student-1',
      address: '10.213.80.101',
      nodeName: 'student-alice',
      serviceId: 'workshop-alice',
      env: ['LAB_STUDENT_DIR=/var/lib/lab-student'],
    });
    expect(studentSlot(2).name).toBe('bob');
    expect(studentSlot(40).name).toBe('student40');
  });

  test('after the full ones, students share the room machine, each with its own state dir, Compose project and UI port', () => {
    const slots = studentSlots(30, 2);
    expect(slots.filter((s) => s.fidelity === 'full').map((s) => s.container)).toEqual(['classroom-student-1', 'classroom-student-2']);
    const light = slots.filter((s) => s.fidelity === 'light');
    expect(light).toHaveLength(28);
    expect(new Set(light.map((s) => s.container))).toEqual(new Set([ROOM_MACHINE]));
    for (const key of ['LAB_STUDENT_DIR', 'LAB_STUDENT_PROJECT', 'LAB_STUDENT_HTTP_PORT'])
      expect(new Set(light.map((s) => s.env.find((e) => e.startsWith(`${key}=`)))).size).toBe(28);
    expect(light.map((s) => s.address)).not.toContain(ROOM_MACHINE_ADDRESS);
    expect(studentSlots(2, 0, 5).map((s) => [s.index, s.fidelity])).toEqual([
      [5, 'light'],
      [6, 'light'],
    ]);
  });

  test('out-of-range indexes are refused', () => {
    expect(() => studentSlot(0)).toThrow(/not 1-/);
    expect(() => studentSlot(MAX_STUDENTS + 1)).toThrow(/not 1-/);
  });

  test('each machine has its own engine volume', () => {
    expect(machineVolume('classroom-instructor')).toBe('classroom-instructor-docker');
  });
});
