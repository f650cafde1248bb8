import { BrowserQRCodeReader, type IScannerControls } from '@zxing/browser';
import { useEffect, useRef, useState } from 'react';

/** What an invite's text starts with (node/join.ts); a QR code holding anything else is not one. */
const INVITE_PREFIX = 'trichain-invite:';
const MAX_PICTURE_BYTES = 10 * 1024 * 1024;

/**
 * Reads an invite from its QR code instead of pasting it: with the computer's camera (the inviting
 * hospital's screen or a printout held up to it), or from a picture of the code (a screenshot, a
 * photo). Decoding is ZXing's (@zxing/browser). Only the invite's text is handed on: the join form
 * and the engine check it exactly as a pasted one, and the sign dialog still names whom it joins.
 */
export function ScanInvite({ onInvite, disabled }: { onInvite(text: string): void; disabled?: boolean }) {
  const video = useRef<HTMLVideoElement>(null);
  const controls = useRef<IScannerControls | null>(null);
  const [scanning, setScanning] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const stop = () => {
    controls.current?.stop();
    controls.current = null;
    setScanning(false);
  };
  useEffect(() => stop, []);

  const take = (text: string): boolean => {
    if (!text.startsWith(INVITE_PREFIX)) {
      setProblem('This QR code is not a Trichain invite.');
      return false;
    }
    setProblem(null);
    onInvite(text);
    return true;
  };

  const camera = async () => {
    setProblem(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setProblem('No camera is available here: choose a picture of the QR code instead.');
      return;
    }
    setScanning(true);
    try {
      controls.current = await new BrowserQRCodeReader().decodeFromVideoDevice(undefined, video.current ?? undefined, (result, _err, c) => {
        if (result && take(result.getText())) {
          c.stop();
          controls.current = null;
          setScanning(false);
        }
      });
    } catch (e) {
      setScanning(false);
      setProblem(`The camera could not be opened (${(e as Error).message}): choose a picture of the QR code instead.`);
    }
  };

  const picture = async (file: File | undefined) => {
    if (!file) return;
    setProblem(null);
    if (file.size > MAX_PICTURE_BYTES) {
      setProblem('That picture is too large (over 10 MB): choose a smaller one.');
      return;
    }
    try {
      // a data: URL, which the renderer's Content-Security-Policy allows for images (blob: it does not)
      const url = await new Promise<string>((resolve, reject) => {
        const r = new FileReader();
        r.onload = () => resolve(String(r.result));
        r.onerror = () => reject(r.error);
        r.readAsDataURL(file);
      });
      take((await new BrowserQRCodeReader().decodeFromImageUrl(url)).getText());
    } catch {
      setProblem('No QR code was found in that picture.');
    }
  };

  return (
    <div className="scan-invite" data-testid="scan-invite">
      <div className="row">
        {scanning ? (
          <button type="button" onClick={stop} data-testid="scan-stop">Stop the camera</button>
        ) : (
          <button type="button" onClick={() => void camera()} disabled={disabled} data-testid="scan-camera">Scan the QR code with the camera</button>
        )}
        <label className="file-button">
          Or choose a picture of it
          <input type="file" accept="image/*" disabled={disabled} onChange={(e) => { void picture(e.target.files?.[0]); e.target.value = ''; }} data-testid="scan-image" />
        </label>
      </div>
      <video ref={video} hidden={!scanning} muted playsInline width={320} height={240} aria-label="Camera preview" data-testid="scan-video" />
      {problem && <p role="alert" className="field-error" data-testid="scan-problem">{problem}</p>}
    </div>
  );
}
