"""The names Ghostscript 10.0 defines in systemdict (its operators and
procedures, without the internal ones starting with a dot), from
``systemdict {pop =} forall``. A job that defines one of these itself
could later reach the system's own version (a definition in a dictionary
it ends), so such definitions are not believed on the fast path.
"""

SYSTEM_NAMES = frozenset(b"""
$error << = == === ===only ==only =only =print >> ALLOWPSTRANSPARENCY AdobeGlyphList
AladdinEnterprisesXUID BATCH CCFONTDEBUG CFFDEBUG CMAPDEBUG CMERGE_DEBUG DEBUG DEFAULTPAPERSIZE
DELAYBIND DEVICEHEIGHTPOINTS DEVICEWIDTHPOINTS DISPLAYING DOCIEDEBUG DOPS DeviceCMYK_array
DeviceGray_array DeviceRGB_array DingbatsEncoding EMULATORS EPSBoundingBoxState EPSDEBUG ESTACKPRINT
EncodingDirectory ErrorNames FAKEFONTS FAPIDEBUG FIXEDMEDIA FIXEDRESOLUTION FONTPATH FontDirectory
GlobalFontDirectory INITDEBUG INITFILES ISOLatin1Encoding JOBSERVER LIBPATH LOCALFONTS
LocalFontDirectory NEWPDF NOBIND NOCACHE NOCCFONTS NOCIE NODISPLAY NOFONTMAP NOFONTPATH NOGC
NOMEDIAATTRS NOOUTERSAVE NOPAGEPROMPT NOPAUSE NOPLATFONTS NOPROMPT NOPSICC NOSUBSTDEVICECOLORS
NOTRANSPARENCY NewPDF_FitPage NullFont OLDSAFER ORIENT1 OSTACKPRINT PAPERSIZE PDFDEBUG
PDFNOCIDFALLBACK PDFSTEP PDFSTOPONERROR PDFSTOPONWARNING PDFWRDEBUG QUIET RENDERTTNOTDEF RESMPDEBUG
ReverseAdobeGlyphList SAFER SAFERERRORS SAFETY SETPDDEBUG SHORTERRORS SharedFontDirectory
StandardEncoding StartJobPassword SymbolEncoding SystemParamsPassword TTFDEBUG TTYPAUSE
USE_CIDCHAR_AS_RANGE VGIFDEBUG VJPGDEBUG VMDEBUG WRITEDICTS WRITESYSTEMDICT [ ] abs add aload
anchorsearch anchorsearchforany and arc arccos arcn arcsin arct arcto array ashow astore atan
awidthshow begin bind bitshift buildfontdict buildtime bytesavailable cachestatus ceiling charpath
clear cleardictstack cleartomark clip clippath cliprestore clipsave closefile closepath colorimage
colorspacedict composefont concat concatmatrix concatstrings copy copy_embedded_file copyarray
copydevice copypage copyright copyscanlines cos count countdictstack countexecstack counttomark
cshow currentblackgeneration currentcacheparams currentcmykcolor currentcolor currentcolorrendering
currentcolorscreen currentcolorspace currentcolortransfer currentdash currentdevice currentdevparams
currentdict currentdistillerparams currentfile currentflat currentfont currentglobal currentgray
currentgstate currenthalftone currenthsbcolor currentlinecap currentlinejoin currentlinewidth
currentmatrix currentmiterlimit currentobjectformat currentoverprint currentoverprintmode
currentpacking currentpagedevice currentpoint currentrgbcolor currentscreen currentshared
currentsmoothness currentstrokeadjust currentsystemparams currenttransfer currentundercolorremoval
currentuserparams curveto customcolorimage cvi cvlit cvn cvr cvrs cvs cvx def defaultdevice
defaultfontmap defaultfontmap_content defaultfontname defaultmatrix definefont defineresource
defineuserobject deletefile determine_post_eof_count devforall devformat devicedict devicenames
devstatus dict dictstack div dopdfpages dtransform dup dup_obj_gen_num echo eexec end eoclip eofill
eq erasepage errordict exch exec execform execstack execuserobject execute0 executeonly executive
exit exp false file filenameforall fileposition fill filter findcmykcustomcolor findcolorrendering
finddevice findencoding findfont findlibfile findprotodevice findresource findrgbcustomcolor
first_post_string flattenpath floor flush flushfile flushpage for forall gcheck ge get
getdeviceprops getinterval getsystemparam getuserparam globaldict glyphshow grestore grestoreall
gsave gserrordict gstate gt handleerror identmatrix idiv idtransform if ifelse image imagemask index
ineofill infill initclip initgraphics initmatrix instroke internaldict inueofill inufill inustroke
invertmatrix itransform known kshow languagelevel le length level2dict lineto ll3dict ln load
loadallfonts localinstancedict log loop lt makefont makeimagedevice makepattern mark matrix max
maxlength min mod moveto mul ne neg newpath newpdf_check_empty_box newpdf_device_setup
newpdf_dopdfpages newpdf_gather_parameters newpdf_get_any_box newpdf_get_media_box newpdf_pagecount
newpdf_pdfclose newpdf_pdfformaterror newpdf_pdfgetpage newpdf_pdfopen newpdf_pdfshowpage
newpdf_pdfshowpage_finish newpdf_pdfshowpage_init newpdf_pdfshowpage_setpage
newpdf_process_trailer_attrs newpdf_runpdf newpdf_runpdfbegin newpdf_runpdfend
newpdf_runpdfpagerange newpdf_set_pagesize noaccess not null nulldevice or packedarray pathbbox
pathforall pdf===only pdf_collection_names pdfavailable pdfmark pop post_eof_count print print_xref
print_xref_warning printobject product productfamily prompt pssystemparams pstack psuserparams put
putdeviceprops putinterval quit rand rcheck rcurveto read readhexstring readline readonly readstring
realtime recover_xref_data rectclip rectfill rectstroke renamefile repeat resetfile resourceforall
resourcestatus restore reversepath revision revisiondate rlineto rmoveto roll rootfont rotate round
rrand rsearch run runlibfile runpdf runpdfbegin runpdfend runpdfpagerange save scale scalefont
scheck search search_earlier_trailer search_end_trailer search_objects search_start_trailer
search_trailer selectdevice selectfont separationimage serialnumber serverdict setbbox
setblackgeneration setcachedevice setcachedevice2 setcachelimit setcacheparams setcharwidth
setcmykcolor setcmykoverprint setcolor setcolorrendering setcolorscreen setcolorspace
setcolortransfer setcustomcolor setdash setdevice setdevparams setdistillerparams setfileposition
setflat setfont setglobal setgray setgstate sethalftone sethsbcolor setlinecap setlinejoin
setlinewidth setmatrix setmiterlimit setobjectformat setoverprint setoverprintmode setpacking
setpagedevice setpattern setrgbcolor setscreen setseparationgray setshared setsmoothness
setstrokeadjust setsystemparams settransfer setucacheparams setundercolorremoval setuserparams
setvmthreshold setxrefentry shareddict shfill show showpage signalerror signaloperror sin sqrt srand
stack start startjob status statusdict stop stopped store string stringwidth stroke strokepath sub
systemdict t1_glyph_equivalence token transform translate true truncate type typed_token uappend
ucache ucachestatus ueofill ufill undef undefinefont undefineresource undefineuserobject upath
userdict userparams usertime ustroke ustrokepath version vmreclaim vmstatus wcheck where widthshow
write write= write== write=== write===only write==only write=only writehexstring writeobject
writestring xcheck xor xshow xyshow yshow
""".split())
